import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { freePort, requireTool } from '@vigil/test-support';
import { createMetricsRegistry } from '@vigil/telemetry';
import pino from 'pino';
import type { Registry } from 'prom-client';
import { AgentMetrics } from './agent-metrics';
import { MetricsServer } from './metrics-server';

const host = '127.0.0.1';
const promtool = requireTool('promtool', 'prometheus');

let registry: Registry;
let server: MetricsServer;
beforeEach(() => {
  registry = createMetricsRegistry('node-agent');
  server = new MetricsServer(registry, pino({ level: 'silent' }));
});
afterEach(() => server.close());

describe('MetricsServer', () => {
  (promtool ? it : it.skip)('serves /metrics in a format promtool accepts', async () => {
    const metrics = new AgentMetrics(registry);
    metrics.batchSent();
    metrics.publishFailed('samples');
    metrics.collectorRan('cpu', 0.002, true);
    metrics.observeSpool(() => ({
      spooledTotal: 3,
      replayedTotal: 2,
      droppedTotal: 1,
      bytes: 4096,
      messages: 1,
      publishErrorsTotal: 4,
    }));
    const port = await freePort();
    await server.listen({ host, port });

    const res = await fetch(`http://${host}:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const page = await res.text();
    expect(page).toContain('vigil_agent_batches_spooled_total{service="node-agent"} 3');
    expect(page).toContain('process_resident_memory_bytes');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: page, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('answers /health with JSON, and other paths and methods with 404 and 405', async () => {
    const port = await freePort();
    await server.listen({ host, port });
    const health = await fetch(`http://${host}:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', pid: process.pid });
    expect((await fetch(`http://${host}:${port}/other`)).status).toBe(404);
    const post = await fetch(`http://${host}:${port}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('moves to a new address, and port 0 turns it off', async () => {
    const first = await freePort();
    await server.listen({ host, port: first });
    const second = await freePort();
    await server.listen({ host, port: second });
    expect((await fetch(`http://${host}:${second}/health`)).status).toBe(200);
    await expect(fetch(`http://${host}:${first}/health`)).rejects.toThrow();

    await server.listen({ host, port: 0 });
    await expect(fetch(`http://${host}:${second}/health`)).rejects.toThrow();
  });

  it('logs, and runs on without /metrics, when its port is taken', async () => {
    const lines: string[] = [];
    server = new MetricsServer(registry, pino({ level: 'error' }, { write: (line: string) => lines.push(line) }));
    const taken = createServer().listen(0, host);
    await new Promise((resolve) => taken.once('listening', resolve));
    const { port } = taken.address() as { port: number };
    try {
      await expect(server.listen({ host, port })).resolves.toBeUndefined();
      expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['cannot serve /metrics; running without it']);
      const other = await freePort();
      await server.listen({ host, port: other });
      expect((await fetch(`http://${host}:${other}/health`)).status).toBe(200);
    } finally {
      taken.close();
    }
  });
});
