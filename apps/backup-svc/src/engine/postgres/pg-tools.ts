import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { StepError } from '../tool-error';

const STDERR_TAIL = 4096;

/**
 * How a libpq tool reaches a database given as a URL: the URL without its password as
 * `--dbname`, the password in `PGPASSWORD` (never on a command line, where `ps` shows it).
 */
export function libpqConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv; database: string } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password) env.PGPASSWORD = password;
  else delete env.PGPASSWORD;
  return { dbname: u.toString(), env, database: decodeURIComponent(u.pathname.replace(/^\//, '')) };
}

/** `pg_dump (PostgreSQL) 15.20 …`: the first line of `<tool> --version`. */
export async function toolVersion(tool: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(tool, ['--version'], { timeout: 10_000 });
    return stdout.trim().split('\n')[0].slice(0, 200);
  } catch (e) {
    throw new StepError('tools', `${tool} cannot be run: ${(e as Error).message}`);
  }
}

export interface RunningTool {
  stdout: Readable;
  /** Resolves when the tool exits 0; rejects with a StepError carrying its exit code and stderr tail. */
  done: Promise<void>;
  kill(): void;
}

/** Starts `tool` with `args`; its stdout is a stream, its stderr kept (the last 4 KiB) for the error. */
export function runTool(step: string, tool: string, args: string[], env: NodeJS.ProcessEnv): RunningTool {
  const child: ChildProcessByStdio<Writable | null, Readable, Readable> = spawn(tool, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new StepError(step, `${tool} could not start: ${e.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new StepError(
            step,
            `${tool} ${signal ? `was killed by ${signal}` : `exited with ${code}`}${stderr ? `: ${lastLine(stderr)}` : ''}`,
            code ?? undefined,
            stderr.trim(),
          ),
        );
    });
  });
  return { stdout: child.stdout, done, kill: () => child.kill('SIGKILL') };
}

const lastLine = (text: string): string => text.trim().split('\n').slice(-1)[0].slice(0, 500);
