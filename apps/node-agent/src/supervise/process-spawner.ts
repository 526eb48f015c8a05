import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Everything needed to start one supervised process. */
export interface ProcessSpec {
  command: string;
  args: string[];
  /** The complete environment of the process (nothing is inherited from the agent). */
  env: Record<string, string>;
  cwd?: string;
  uid?: number;
  gid?: number;
}

/** How a process ended: with a code or a signal, or it could not be spawned at all. */
export type ProcessExit = { code: number | null; signal: NodeJS.Signals | null } | { error: Error };

export interface RunningProcess {
  /** Undefined when the spawn failed; `exit` then resolves with the error. */
  readonly pid?: number;
  /** Resolves once, when the process has ended. */
  readonly exit: Promise<ProcessExit>;
  /** Sends `signal` to the process's whole group: the process and every child it started. */
  signalGroup(signal: NodeJS.Signals): void;
}

export type OutputStream = 'stdout' | 'stderr';
export type OutputListener = (stream: OutputStream, line: string) => void;

/** Never throws: a process that cannot be spawned is a RunningProcess whose `exit` carries the error. */
export type ProcessSpawner = (spec: ProcessSpec, onOutput: OutputListener) => RunningProcess;

/**
 * Spawns each process as the leader of a new session and process group (`detached`), so
 * that signalling the group reaches its children too. A child that starts its own session
 * (a daemonizing one) leaves the group and is out of reach; supervised programs must run
 * in the foreground. When the agent itself is SIGKILLed its groups keep running.
 */
export const spawnInProcessGroup: ProcessSpawner = (spec, onOutput) => {
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, {
      env: spec.env,
      cwd: spec.cwd,
      uid: spec.uid,
      gid: spec.gid,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    return { exit: Promise.resolve({ error: e as Error }), signalGroup: () => {} };
  }
  const exit = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // The only 'error' of a process that is never child.kill()ed: it could not be spawned.
    child.once('error', (error) => resolve({ error }));
  });
  forwardLines(child, 'stdout', onOutput);
  forwardLines(child, 'stderr', onOutput);
  const pid = child.pid;
  return {
    pid,
    exit,
    signalGroup(signal) {
      if (pid === undefined) return;
      try {
        process.kill(-pid, signal);
      } catch (e) {
        // ESRCH: every process of the group has already gone.
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    },
  };
};

function forwardLines(child: ChildProcess, stream: OutputStream, onOutput: OutputListener): void {
  const input = child[stream];
  if (input) createInterface({ input, crlfDelay: Infinity }).on('line', (line) => onOutput(stream, line));
}
