import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from './wait';

export const repoRoot = join(__dirname, '..', '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A real Vigil process started from its build output (`apps/<app>/dist/main.js`),
 * with the Node binary running the tests. Its JSON log lines are kept for assertions.
 */
export class ServiceProcess {
  readonly lines: string[] = [];
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(
    readonly app: string,
    private readonly env: Record<string, string>,
    private readonly entry = join(repoRoot, 'apps', app, 'dist', 'main.js'),
    /** Flags for Node itself, e.g. `--cpu-prof` to profile a service under a benchmark. */
    private readonly nodeArgs: string[] = [],
  ) {}

  start(): this {
    const child = spawn(process.execPath, [...this.nodeArgs, this.entry], {
      env: { ...process.env, LOG_LEVEL: 'info', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) this.lines.push(line);
      if (process.env.VIGIL_TEST_LOGS) process.stderr.write(`[${this.app}] ${chunk}`);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    this.child = child;
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for GET `url` to answer 200, failing early (with the logs) if the process dies. */
  async waitHttpOk(url: string, timeoutMs = 20_000): Promise<void> {
    await eventually(
      async () => {
        if (!this.running()) throw new Error(`${this.app} exited:\n${this.lines.slice(-20).join('\n')}`);
        const r = await fetch(url).catch(() => undefined);
        return r?.status === 200;
      },
      { timeoutMs, what: `${this.app} at ${url}` },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n--- ${this.app} log tail ---\n${this.lines.slice(-30).join('\n')}`);
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  async stop(timeoutMs = 10_000): Promise<number | null> {
    if (!this.child || !this.running()) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code ?? null;
  }

  async waitExit(): Promise<number | null> {
    return (await this.exited) ?? null;
  }
}
