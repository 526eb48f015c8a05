import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers } from '@nats-io/nats-core';
import { type Heartbeat, type ListNodesReply, type NodeView, DlqHeaders } from '@vigil/contracts';
import { eventually, repoRoot } from '@vigil/test-support';
import { Client } from 'pg';
import { TestPlatform } from './platform';

const OFFLINE_TIMEOUT_MS = 4000;
/** OTLP span kinds. */
const SERVER = 2;
jest.setTimeout(90_000);

describe('walking skeleton: agent → NATS → registry-svc → Postgres → gateway', () => {
  const platform = new TestPlatform({
    VIGIL_OFFLINE_TIMEOUT_MS: String(OFFLINE_TIMEOUT_MS),
    VIGIL_PRESENCE_SWEEP_MS: '250',
  });

  beforeAll(async () => {
    await platform.setup();
    await Promise.all([platform.startRegistry(), platform.startGateway()]);
  });
  afterAll(() => platform.teardown());

  const nodes = async (): Promise<NodeView[]> =>
    (await platform.getJson<ListNodesReply>('gateway', '/api/v1/nodes')).body.items;

  it('shows a real agent within 5 s, offline within the timeout + 2 s after it stops, online again with the same id', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'vigil-agent-'));
    const started = Date.now();
    const agent = platform.startAgent(stateDir, { VIGIL_AGENT_HOSTNAME: 'e2e-host' });
    const first = await eventually(
      async () => (await nodes()).find((n) => n.hostname === 'e2e-host' && n.status === 'online'),
      {
        timeoutMs: 5000,
        what: 'the agent to appear online',
      },
    );
    expect(Date.now() - started).toBeLessThan(5000);

    expect(await agent.stop()).toBe(0);
    const stopped = Date.now();
    await eventually(async () => (await nodes()).find((n) => n.id === first.id && n.status === 'offline'), {
      timeoutMs: OFFLINE_TIMEOUT_MS + 2000,
      what: 'the node to turn offline',
    });
    expect(Date.now() - stopped).toBeLessThan(OFFLINE_TIMEOUT_MS + 2000);

    platform.startAgent(stateDir, { VIGIL_AGENT_HOSTNAME: 'e2e-host' });
    const back = await eventually(async () => (await nodes()).find((n) => n.id === first.id && n.status === 'online'), {
      timeoutMs: 5000,
      what: 'the node to come back online',
    });
    expect(back.registeredAt).toBe(first.registeredAt);
    expect((await nodes()).filter((n) => n.hostname === 'e2e-host')).toHaveLength(1);

    const one = await platform.getJson<NodeView>('gateway', `/api/v1/nodes/${first.id}`);
    expect(one.status).toBe(200);
    // registered, online, config_reported, inventory_changed, offline, online: the second
    // start reports the same configuration and inventory (JetStream de-duplicates the latter),
    // so registry-svc records nothing new for them.
    expect(one.body.version).toBe(6);
    expect(one.body.config).toEqual({ version: expect.any(String), status: 'applied' });
    expect(one.body.inventory).toEqual(expect.objectContaining({ nodeId: first.id, agentVersion: expect.any(String) }));
  });

  it('answers 404 and 400 as problem+json', async () => {
    const missing = await platform.getJson<{ status: number; detail: string }>('gateway', '/api/v1/nodes/no-such-node');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(missing.body.detail).toMatch(/not registered/);
    const bad = await platform.getJson<{ detail: string }>('gateway', '/api/v1/nodes?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/limit/);
  });

  it('parks malformed heartbeats in the DLQ with their reason, counts them, and carries on', async () => {
    const { js, jsm, topology } = platform.bus;
    const valid = (nodeId: string): Heartbeat => ({
      nodeId,
      seq: 1,
      sentAt: new Date().toISOString(),
      hostname: `dlq-${nodeId}`,
      agentVersion: 'test',
      uptimeSeconds: 1,
      intervalMs: 1000,
      labels: {},
    });
    await js.publish(topology.subjects.heartbeat('bad1'), Buffer.from('{not json'));
    await js.publish(topology.subjects.heartbeat('bad2'), Buffer.from(JSON.stringify({ ...valid('bad2'), seq: -4 })));
    await js.publish(topology.subjects.heartbeat('victim'), Buffer.from(JSON.stringify(valid('impostor'))));
    await js.publish(topology.subjects.heartbeat('good1'), Buffer.from(JSON.stringify(valid('good1'))), {
      headers: headers(),
    });

    await eventually(async () => (await nodes()).find((n) => n.id === 'good1'), {
      what: 'the valid heartbeat to register',
    });
    const dlq = await eventually(
      async () => {
        const info = await jsm.streams.info(topology.streams.dlq);
        return info.state.messages >= 3 ? info : undefined;
      },
      { what: 'three messages in the DLQ' },
    );
    expect(dlq.state.messages).toBe(3);
    const reasons: string[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      const m = await jsm.streams.getMessage(topology.streams.dlq, { seq });
      reasons.push(`${m!.header.get(DlqHeaders.originalSubject)} ${m!.header.get(DlqHeaders.reason)}`);
    }
    expect(reasons[0]).toMatch(/heartbeat\.bad1 invalid_payload: invalid heartbeat: not JSON/);
    expect(reasons[1]).toMatch(/heartbeat\.bad2 invalid_payload: invalid heartbeat: seq/);
    expect(reasons[2]).toMatch(
      /heartbeat\.victim identity_mismatch: subject_mismatch: subject names node victim but payload claims impostor/,
    );

    const metrics = await (await fetch(platform.url('registry-svc', '/metrics'))).text();
    expect(metrics).toMatch(/vigil_dlq_messages_total\{[^}]*reason="invalid_payload"[^}]*\} 2/);
    expect(metrics).toMatch(/vigil_dlq_messages_total\{[^}]*reason="identity_mismatch"[^}]*\} 1/);
    expect((await nodes()).map((n) => n.id)).not.toContain('impostor');
  });

  it('shows the configuration version each agent reports, recording only changes', async () => {
    const { js, topology } = platform.bus;
    const send = (seq: number, config: Heartbeat['config']) =>
      js.publish(
        topology.subjects.heartbeat('cfg1'),
        Buffer.from(
          JSON.stringify({
            nodeId: 'cfg1',
            seq,
            sentAt: new Date().toISOString(),
            hostname: 'cfg-host',
            agentVersion: 'test',
            uptimeSeconds: seq,
            intervalMs: 1000,
            labels: {},
            config,
          } satisfies Heartbeat),
        ),
      );
    const node = async () => (await platform.getJson<NodeView>('gateway', '/api/v1/nodes/cfg1')).body;
    await send(1, { version: 'file:1+fleet:2', status: 'applied' });
    await send(2, { version: 'file:1+fleet:2', status: 'applied' });
    const first = await eventually(async () => ((await node()).config ? node() : undefined), {
      what: 'the reported config',
    });
    expect(first.config).toEqual({ version: 'file:1+fleet:2', status: 'applied' });
    await send(3, { version: 'file:1+fleet:2', status: 'rejected', error: 'sampleIntervalMs: too small' });
    const second = await eventually(async () => ((await node()).config?.status === 'rejected' ? node() : undefined), {
      what: 'the rejected config',
    });
    // registered, online, config reported twice: the repeated report added nothing.
    expect(second.version).toBe(first.version + 1);
    expect(second.config?.error).toBe('sampleIntervalMs: too small');
  });

  it('rebuilds the read model from the stream into identical rows', async () => {
    const pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
    try {
      const snapshot = async () => (await pg.query('SELECT * FROM registry.nodes ORDER BY id')).rows;
      const before = await snapshot();
      expect(before.length).toBeGreaterThanOrEqual(2);
      await pg.query('DELETE FROM registry.nodes');
      // Through the operator's command: `npm run registry:rebuild-projection`.
      const cli = spawnSync(process.execPath, [join(repoRoot, 'apps/registry-svc/dist/cli/rebuild-projection.js')], {
        env: { ...process.env, ...platform.env('admin') },
        encoding: 'utf8',
      });
      expect(cli.stderr).toBe('');
      expect(JSON.parse(cli.stdout)).toEqual({ projection: 'registry-nodes', checkpoint: expect.any(Number) });
      expect(await snapshot()).toEqual(before);
    } finally {
      await pg.end();
    }
  });

  it('follows one trace from the gateway HTTP span through NATS and registry-svc into Postgres', async () => {
    const res = await platform.gatewayFetch('/api/v1/nodes');
    expect(res.status).toBe(200);
    const spans = platform.otlp.spans;
    const trace = await eventually(
      () => {
        for (const client of spans.filter(
          (s) => s.service === 'gateway' && s.name === 'qry.registry.nodes-list request',
        )) {
          const inTrace = spans.filter((s) => s.traceId === client.traceId);
          const root = inTrace.find((s) => s.service === 'gateway' && s.kind === SERVER && s.name.startsWith('GET'));
          const server = inTrace.find(
            (s) => s.service === 'registry-svc' && s.name === 'qry.registry.nodes-list handle',
          );
          const query = inTrace.find((s) => s.service === 'registry-svc' && s.name.startsWith('pg.query:SELECT'));
          if (root && server && query) return { root, client, server, query };
        }
        return undefined;
      },
      { timeoutMs: 10_000, what: 'the spans of one request in all three places' },
    ).catch((e: Error) => {
      throw new Error(
        `${e.message}; spans seen: ${JSON.stringify(spans.map((s) => [s.service, s.kind, s.name, s.traceId.slice(0, 6)]).slice(-40))}`,
      );
    });
    expect(trace.client.parentSpanId).toBe(trace.root.spanId);
    expect(trace.server.parentSpanId).toBe(trace.client.spanId);
    expect(trace.query.traceId).toBe(trace.root.traceId);
    expect(trace.root.attributes['http.request.method'] ?? trace.root.attributes['http.method']).toBe('GET');

    // The log lines written while handling a message carry its trace.
    const registry = platform.processes.find((p) => p.app === 'registry-svc')!;
    const online = registry.lines
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'node.online' && l.node_id === 'good1');
    expect(online).toEqual(
      expect.objectContaining({ service: 'registry-svc', trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) }),
    );
    expect(platform.otlp.spans.some((s) => s.traceId === online.trace_id && s.service === 'registry-svc')).toBe(true);
  });
});
