import { execFile, type ExecFileException } from 'node:child_process';
import type { HealthProbe } from './health-probe';

const OUTPUT_IN_REASON = 500;

/** Healthy when `command args…` exits with 0; it runs as the agent's user and is killed on timeout. */
export function commandProbe(command: string, args: string[]): HealthProbe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      execFile(command, args, { signal, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
        if (!error) return resolve();
        const output = `${stderr}${stdout}`.trim().slice(-OUTPUT_IN_REASON);
        reject(new Error(`${command} ${failure(error)}${output ? `: ${output}` : ''}`));
      });
    });
}

function failure(error: ExecFileException): string {
  if (typeof error.code === 'number') return `exited with code ${error.code}`;
  if (error.signal) return `was killed by ${error.signal}`;
  return `could not run: ${error.message}`;
}
