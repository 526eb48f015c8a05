import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@vigil/test-support';

jest.setTimeout(30_000);

/**
 * The process-wide policy of every service (libs/platform installProcessGuards, installed by
 * runService) in a real Node process from the build output: an unhandled rejection is logged and
 * counted and the process keeps running; an uncaught exception closes the service and exits
 * with a failure code, so systemd/Docker/Kubernetes restart it.
 */
describe('process guards in a real process', () => {
  it('keeps serving after an unhandled rejection; exits 1 after closing on an uncaught exception', async () => {
    const script = `
      const { installProcessGuards } = require(${JSON.stringify(join(repoRoot, 'libs/platform/dist/process-guards.js'))});
      const { createLogger, createMetricsRegistry } = require(${JSON.stringify(join(repoRoot, 'libs/telemetry/dist/index.js'))});
      const registry = createMetricsRegistry('guard-e2e');
      const logger = createLogger({ service: 'guard-e2e', level: 'info' });
      installProcessGuards({ logger, registry, close: async () => console.log(JSON.stringify({ msg: 'closing' })) });
      Promise.reject(new Error('a promise nobody awaited'));
      setTimeout(async () => {
        const faults = (await registry.getSingleMetric('vigil_process_faults_total').get()).values;
        console.log(JSON.stringify({ msg: 'still serving', faults }));
        setTimeout(() => { throw new Error('state unknown'); }, 10);
      }, 300);
      setInterval(() => undefined, 1000);
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const lines = out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The logger writes asynchronously and `closing` goes straight to stdout: the last two lines
    // may arrive in either order.
    expect(lines.slice(0, 2).map((l) => l.msg)).toEqual([
      'unhandled promise rejection; the service keeps serving',
      'still serving',
    ]);
    expect(
      lines
        .slice(2)
        .map((l) => l.msg)
        .sort(),
    ).toEqual(['closing', 'uncaught exception; stopping the service for its supervisor to restart it']);
    expect(lines[0]).toMatchObject({ level: 'error', err: { message: 'a promise nobody awaited' } });
    expect(lines[1].faults).toEqual([{ labels: { kind: 'unhandled_rejection' }, value: 1 }]);
    expect(lines.find((l) => l.level === 'fatal')).toMatchObject({ err: { message: 'state unknown' } });
    expect(code).toBe(1);
  });
});
