import { backupEvents, type PreviewRuleReply, type SampleBatch, sampleBatchMessage } from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { loginToGateway, type ServiceProcess } from '@vigil/test-support';
import { highCpuRule } from './alerting';
import { TestPlatform } from './platform';

jest.setTimeout(120_000);

const VIEWER = { username: 'e2e-preview-viewer', password: 'e2e-preview-viewer-password-0123' };

/**
 * `POST /api/v1/alerts/rules/preview` through a real gateway and two alert-svc replicas: the
 * rule is not saved; whichever replica answers reads the samples the TELEMETRY stream holds (or
 * the backup events' history) and says which alerts the rule would have now (pending or firing
 * given `for`), the same answer from either; a bad rule is refused naming the field, a viewer is
 * refused, and the route is in the OpenAPI document.
 */
describe('rule preview through the gateway', () => {
  const platform = new TestPlatform();
  let seq = 0;
  /** When db-1 sent its last GPU sample (absent counts from when the stream received it). */
  let gpuQuietSince = 0;
  const replicas: ServiceProcess[] = [];
  let runs = 0;

  async function backupRun(type: 'backup.failed' | 'backup.succeeded', job: string): Promise<void> {
    const { js, jsm, topology } = platform.bus;
    const now = new Date().toISOString();
    const run = { runId: `preview-run-${++runs}`, jobId: job, job, labels: {}, startedAt: now, finishedAt: now };
    await new EventStore(js, jsm, topology, 'backup', backupEvents).append(
      run.runId,
      [type === 'backup.failed' ? { type, data: { ...run, error: 'exit 1' } } : { type, data: { ...run, bytes: 1 } }],
      0,
      { correlationId: 'e2e', causationId: null, actor: 'service:test' },
    );
  }

  async function publish(nodeId: string, samples: SampleBatch['samples'], at = Date.now()): Promise<void> {
    const { js, topology } = platform.bus;
    const m = sampleBatchMessage(topology, { nodeId, seq: ++seq, timestamp: at, intervalMs: 1000, samples });
    await js.publish(m.subject, m.data, { msgID: m.msgId });
  }

  const preview = async (rule: unknown, token?: string) => {
    const r = await platform.gatewayFetch('/api/v1/alerts/rules/preview', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rule }),
    });
    return { status: r.status, body: (await r.json()) as PreviewRuleReply & { detail?: string } };
  };

  beforeAll(async () => {
    await platform.setup();
    for (let i = 0; i < 2; i++)
      replicas.push((await platform.startAlert({ VIGIL_ALERT_DEFAULT_RULES: 'false' })).process);
    await platform.startGateway();
    const now = Date.now();
    // web-1 busy for the last 20 s, web-2 only for the last 2 s, db-1 idle.
    for (let t = now - 20_000; t <= now; t += 2000) {
      await publish('e2e-web-1', [{ name: 'node_cpu_usage_percent', labels: {}, value: 97 }], t);
      await publish('e2e-web-2', [{ name: 'node_cpu_usage_percent', labels: {}, value: t >= now - 2000 ? 96 : 20 }], t);
      await publish('e2e-db-1', [{ name: 'node_cpu_usage_percent', labels: {}, value: 10 }], t);
    }
    await publish('e2e-db-1', [{ name: 'node_gpu_temperature_celsius', labels: { gpu: '0' }, value: 60 }]);
    gpuQuietSince = Date.now();
  }, 90_000);
  afterAll(() => platform.teardown(), 30_000);

  it('lists the nodes a threshold rule would alert on now, firing or pending given `for`', async () => {
    const rule = highCpuRule({
      id: 'preview-cpu',
      for: '10s',
      annotations: { summary: 'CPU {{ $value }}% on {{ $node }}' },
    });
    const { status, body } = await preview(rule);
    expect(status).toBe(200);
    expect(body.instances.map((i) => [i.node, i.state])).toEqual([
      ['e2e-web-1', 'firing'],
      ['e2e-web-2', 'pending'],
    ]);
    expect(body).toMatchObject({ total: 2, firing: 1, pending: 1, complete: true });
    expect(body.instances[0]).toMatchObject({
      value: 97,
      labels: { alertname: 'HighCPU', node: 'e2e-web-1', severity: 'warning' },
      annotations: { summary: 'CPU 97% on e2e-web-1' },
    });
    expect(body.instances[1].firesAt).toBeDefined();
    expect(body.read).toBeGreaterThanOrEqual(30);

    // Nothing was saved.
    const rules = (await (await platform.gatewayFetch('/api/v1/alerts/rules')).json()) as { rules: unknown[] };
    expect(rules.rules).toEqual([]);
  });

  it('previews an absent rule from the samples received', async () => {
    // db-1's GPU quiet for over 2 s, web-1's just sent.
    await new Promise((r) => setTimeout(r, Math.max(0, gpuQuietSince + 3000 - Date.now())));
    await publish('e2e-web-1', [{ name: 'node_gpu_temperature_celsius', labels: { gpu: '0' }, value: 60 }]);
    const { status, body } = await preview({
      id: 'preview-gpu-down',
      name: 'GPUDown',
      kind: 'absent',
      severity: 'critical',
      metric: 'node_gpu_temperature_celsius',
      by: ['node', 'gpu'],
      for: '2s',
    });
    expect(status).toBe(200);
    expect(body.instances.map((i) => [i.node, i.labels.gpu, i.state])).toEqual([['e2e-db-1', '0', 'firing']]);
  });

  it('previews an event rule from the backup events’ history', async () => {
    await backupRun('backup.failed', 'pg');
    await backupRun('backup.failed', 'files');
    await backupRun('backup.succeeded', 'files');
    const { status, body } = await preview({
      id: 'preview-backup-failed',
      name: 'BackupFailed',
      kind: 'event',
      severity: 'warning',
      on: 'backup.failed',
      resolvedBy: 'backup.succeeded',
    });
    expect(status).toBe(200);
    expect(body.instances.map((i) => [i.labels.job, i.state])).toEqual([['pg', 'firing']]);
    expect(body).toMatchObject({ read: 3, complete: true, readFrom: null });
  });

  it('is answered by either replica, the same', async () => {
    const rule = highCpuRule({ id: 'preview-cpu' });
    const answers = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const { status, body } = await preview(rule);
      expect(status).toBe(200);
      answers.add(JSON.stringify(body.instances.map((x) => [x.node, x.state])));
    }
    // Both nodes over 90 % in their last sample: firing at once (no `for`).
    expect([...answers]).toEqual([
      JSON.stringify([
        ['e2e-web-1', 'firing'],
        ['e2e-web-2', 'firing'],
      ]),
    ]);
    // Queue-group delivery is random: 16 requests all to one replica is a 1 in 32,768 chance.
    const previews = replicas.map((p) => p.lines.filter((l) => l.includes('"msg":"rule preview"')).length);
    expect(previews.every((n) => n > 0)).toBe(true);
  });

  it('refuses a bad rule naming the field, and a viewer', async () => {
    const bad = await preview(highCpuRule({ id: 'preview-bad', for: '5 minutes' }));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/rule\.for: invalid duration "5 minutes"/);
    const badTemplate = await preview(highCpuRule({ id: 'preview-bad', annotations: { summary: '{{ $nope }}' } }));
    expect(badTemplate.status).toBe(400);
    expect(badTemplate.body.detail).toMatch(/annotation summary/);

    const created = await platform.gatewayFetch('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...VIEWER, role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const viewer = await loginToGateway(platform.url('gateway', ''), VIEWER.username, VIEWER.password);
    expect((await preview(highCpuRule({ id: 'preview-cpu' }), viewer)).status).toBe(403);
  });

  it('is in the OpenAPI document with its body schema', async () => {
    const doc = (await (await platform.gatewayFetch('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(doc.paths['/api/v1/alerts/rules/preview']?.post).toBeDefined();
    expect(JSON.stringify(doc.paths['/api/v1/alerts/rules/preview'].post.requestBody)).toMatch(/threshold/);
  });
});
