import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ALERTMANAGER_BINARY = '/usr/bin/prometheus-alertmanager';

/** The smallest configuration Alertmanager accepts: every alert routed to a receiver that sends nothing. */
const MINIMAL_CONFIG = ['route:', '  receiver: blackhole', 'receivers:', '  - name: blackhole', ''].join('\n');

/** A real Alertmanager on 127.0.0.1:`port`, clustering off, its storage in a temporary folder removed on stop. */
export class AlertmanagerProcess {
  private child?: ChildProcess;
  private dir?: string;
  private readonly output: string[] = [];

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 30_000): Promise<this> {
    this.dir = await mkdtemp(join(tmpdir(), 'vigil-alertmanager-'));
    const config = join(this.dir, 'alertmanager.yml');
    await writeFile(config, MINIMAL_CONFIG);
    const child = spawn(
      ALERTMANAGER_BINARY,
      [
        `--config.file=${config}`,
        `--storage.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (c: Buffer) => this.output.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => this.output.push(c.toString()));
    this.child = child;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`alertmanager exited with ${child.exitCode}:\n${this.output.join('')}`);
      const ready = await fetch(`${this.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return this;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`alertmanager not ready within ${timeoutMs} ms:\n${this.output.join('')}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
