import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './process';
import { eventually } from './wait';

/**
 * A redis-server of the test's own on a free port, without persistence, so that a test can
 * kill it (SIGKILL: everything in it is lost) and start it again on the same port, without
 * touching the shared server. Fails when redis-server is missing.
 */
export class OwnRedisServer {
  private child?: ChildProcess;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    if (!this.port) this.port = await freePort();
    const child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const failed = new Promise<never>((_, reject) => child.on('error', reject));
    failed.catch(() => undefined);
    this.child = child;
    await Promise.race([
      failed,
      eventually(
        async () => {
          const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
          try {
            await probe.connect();
            return (await probe.ping()) === 'PONG';
          } catch {
            return false;
          } finally {
            probe.disconnect();
          }
        },
        { timeoutMs: 10_000, intervalMs: 50, what: `redis-server on port ${this.port}` },
      ),
    ]);
    return this;
  }

  /** SIGKILL: the data goes with it. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
