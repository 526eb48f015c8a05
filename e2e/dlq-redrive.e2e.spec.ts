import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers, type MsgHdrs } from '@nats-io/nats-core';
import {
  agentEventMessage,
  type AgentMessage,
  type DlqBatchReply,
  DlqHeaders,
  type DlqEntry,
  dlqOperations,
  encodePublicKey,
  heartbeatMessage,
  identityCommands,
  inventoryMessage,
  nodeEvents,
  type QueryDefinition,
  ruleOperations,
  sampleBatchMessage,
  signMessage,
  type z,
} from '@vigil/contracts';
import { dlqCopyHeaders, requestQuery } from '@vigil/messaging';
import { eventually, repoRoot, testGatewayAuth } from '@vigil/test-support';
import { Client } from 'pg';
import { highCpuRule, storedAlertEvents, storedEvents } from './alerting';
import { TestPlatform } from './platform';

jest.setTimeout(120_000);

/**
 * Redrive of what registry-svc and alert-svc park, with the real services on a nats-server with
 * authorization: a node's heartbeat, inventory, agent event and sample batch, signed before the
 * node enrolled, are refused (enrollment required) and parked; once it has enrolled (the fix)
 * an admin redrives them through the gateway or the CLI, each is applied once by the service's
 * own handling, and a copy left behind (a crash before the DLQ copy was deleted) is answered
 * already_applied. A message still invalid stays parked with its new reason; a service never
 * deletes another service's parked message.
 */
describe('DLQ redrive: registry-svc and alert-svc', () => {
  const platform = new TestPlatform({ VIGIL_REQUIRE_ENROLLMENT: 'true' });
  let pg: Client;
  let stampSeq = 0;

  const ask = <Req extends z.ZodType, Rep extends z.ZodType>(def: QueryDefinition<Req, Rep>, req: z.input<Req>) =>
    requestQuery(platform.bus.nc, platform.bus.topology, def, req, 10_000);
  const enroll = async (nodeId: string, key: KeyObject) => {
    const { token } = await ask(identityCommands.createEnrollmentToken, { ttlSeconds: 600, nodeId });
    await ask(identityCommands.enroll, { token, nodeId, publicKey: encodePublicKey(key), hostname: nodeId });
  };
  const gw = async <T>(path: string, json?: unknown, requestId?: string): Promise<{ status: number; body: T }> => {
    const r = await platform.gatewayFetch(path, {
      method: json === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    return { status: r.status, body: (await r.json()) as T };
  };
  const listed = async (service: string, subject: string) =>
    (await gw<{ entries: DlqEntry[] }>(`/api/v1/dlq?service=${service}&subject=${subject}`)).body.entries ?? [];

  /** Publishes `m` as the agent would, signed with `key` over a fresh stamp. */
  async function publish(
    m: AgentMessage,
    key: KeyObject,
    data?: Uint8Array,
  ): Promise<{ headers: MsgHdrs; seq: number }> {
    const h = headers();
    const signed = signMessage(key, m, { signedAt: Date.now(), boot: 1, seq: ++stampSeq });
    for (const [name, v] of Object.entries(signed)) h.set(name, v);
    h.set('Nats-Msg-Id', m.msgId);
    const ack = await platform.bus.js.publish(m.subject, data ?? m.data, { headers: h });
    return { headers: h, seq: ack.seq };
  }

  /** The DLQ copy `seq` as stored (read before a redrive deletes it). */
  async function rawCopy(seq: number): Promise<{ headers: MsgHdrs; data: Uint8Array }> {
    const { jsm, topology } = platform.bus;
    const m = await jsm.streams.getMessage(topology.streams.dlq, { seq });
    if (!m) throw new Error(`no DLQ message ${seq}`);
    return { headers: m.header, data: m.data };
  }

  /** Publishes a DLQ copy again, as a crash between an apply and the copy's deletion leaves it. */
  async function leaveBehind(service: string, copy: { headers: MsgHdrs; data: Uint8Array }): Promise<number> {
    const { js, topology } = platform.bus;
    const h = headers();
    for (const [k, v] of copy.headers) if (k !== 'Nats-Msg-Id') for (const x of v) h.append(k, x);
    return (await js.publish(topology.subjects.dlq(service), copy.data, { headers: h })).seq;
  }

  const redriven = async (service: string) =>
    (
      await pg.query<{ stream_seq: string; actor: string }>(
        `SELECT stream_seq, actor FROM ${service}.dlq_redriven ORDER BY stream_seq`,
      )
    ).rows;

  beforeAll(async () => {
    await platform.setup();
    await platform.startRegistry();
    await platform.startAlert({
      VIGIL_ALERT_DEFAULT_RULES: 'false',
      VIGIL_REQUIRE_ENROLLMENT: 'true',
      VIGIL_ALERT_LEASE_MS: '3000',
    });
    await platform.startGateway();
    await ask(ruleOperations.apply, { rules: [highCpuRule()], actor: 'test' });
    pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await platform.teardown();
  });

  it('redrives a heartbeat, an inventory and an agent event of a node that enrolled late, once each; a malformed one is parked again', async () => {
    const { topology } = platform.bus;
    const late = generateKeyPairSync('ed25519');
    const now = new Date().toISOString();
    const heartbeat = heartbeatMessage(
      topology,
      {
        nodeId: 'late-r',
        seq: 1,
        sentAt: now,
        hostname: 'late-r',
        agentVersion: '1.0.0',
        uptimeSeconds: 5,
        intervalMs: 1000,
        labels: {},
      },
      'boot-1',
    );
    const inventory = inventoryMessage(topology, {
      nodeId: 'late-r',
      collectedAt: now,
      hostname: 'late-r',
      os: { platform: 'linux', distro: 'debian', release: '12', kernel: '6.1', arch: 'x64' },
      cpu: { model: 'test', cores: 4, physicalCores: 2 },
      memoryBytes: 8e9,
      disks: [],
      interfaces: [],
      gpus: [],
      agentVersion: '1.0.0',
      labels: {},
    });
    const event = agentEventMessage(topology, {
      nodeId: 'late-r',
      process: 'worker',
      type: 'started',
      at: now,
      pid: 4242,
    });
    await publish(heartbeat, late.privateKey);
    await publish(inventory, late.privateKey);
    await publish(event, late.privateKey);
    const parked = await eventually(
      async () => {
        const entries = await listed('registry-svc', 'telemetry.*.late-r');
        return entries.length === 3 ? entries : undefined;
      },
      { what: 'the three messages of the node not yet enrolled parked', timeoutMs: 20_000 },
    );
    for (const e of parked)
      expect(e).toMatchObject({ reason: 'identity_mismatch', detail: expect.stringMatching(/^not_enrolled: /) });

    // A redrive before the fix is refused again: parked again with one more redrive and the reason said.
    const early = await gw<DlqBatchReply>('/api/v1/dlq/registry-svc/redrive', { seqs: [parked[0].seq] });
    expect(early.body.results).toEqual([
      { seq: parked[0].seq, outcome: 'reparked', detail: expect.stringMatching(/^identity_mismatch: not_enrolled: /) },
    ]);

    // The fix: the node enrolls. Once registry-svc's projection has it, the parked messages are redriven.
    await enroll('late-r', late.publicKey);
    await eventually(
      async () =>
        (
          await pg.query('SELECT 1 FROM registry.node_identities WHERE node_id = $1 AND public_key IS NOT NULL', [
            'late-r',
          ])
        ).rowCount === 1,
      { what: 'registry-svc to know late-r enrolled' },
    );
    const beforeRedrive = await listed('registry-svc', 'telemetry.*.late-r');
    const inventoryCopy = await rawCopy(beforeRedrive.find((e) => e.originalSubject.includes('.inventory.'))!.seq);
    const requestId = `dlq-redrive-registry-${Date.now()}`;
    const all = await gw<DlqBatchReply>(
      '/api/v1/dlq/registry-svc/redrive',
      { all: true, filter: { reason: 'identity_mismatch', subject: 'telemetry.*.late-r' } },
      requestId,
    );
    expect(all.status).toBe(200);
    expect(all.body.results.filter((r) => r.outcome !== 'redriven')).toEqual([]);
    expect(all.body.counts).toEqual({ redriven: 3 });
    expect(await listed('registry-svc', 'telemetry.*.late-r')).toEqual([]);

    // Applied by the consumers' own handling: the node is online with its inventory, the process is recorded.
    const node = await eventually(
      async () =>
        (
          await pg.query<{ status: string; inventory: { cpu: { cores: number } } | null }>(
            'SELECT status, inventory FROM registry.nodes WHERE id = $1',
            ['late-r'],
          )
        ).rows[0],
      { what: 'the node in the read model' },
    );
    await eventually(
      async () =>
        (await pg.query<{ inventory: unknown }>('SELECT inventory FROM registry.nodes WHERE id = $1', ['late-r']))
          .rows[0]?.inventory != null,
      { what: 'the inventory in the read model' },
    );
    expect(node.status).toBe('online');
    const processes = await pg.query('SELECT state, pid FROM registry.supervised_processes WHERE node_id = $1', [
      'late-r',
    ]);
    expect(processes.rows).toEqual([{ state: 'running', pid: 4242 }]);
    const records = await redriven('registry');
    expect(records.map((r) => r.actor)).toEqual(['user:admin', 'user:admin', 'user:admin']);

    // A copy left behind by a crash before its deletion: already applied, nothing appended again.
    const inventoryEvents = async () =>
      (await storedEvents(platform, 'node', nodeEvents)).filter(
        (e) => e.type === 'node.inventory_changed' && e.data.nodeId === 'late-r',
      ).length;
    expect(await inventoryEvents()).toBe(1);
    const left = await leaveBehind('registry-svc', inventoryCopy);
    const again = await gw<DlqBatchReply>('/api/v1/dlq/registry-svc/redrive', { seqs: [left] });
    expect(again.body.results).toEqual([{ seq: left, outcome: 'already_applied' }]);
    expect(await inventoryEvents()).toBe(1);
    expect(await redriven('registry')).toHaveLength(3);

    // Still invalid after the fix (not a heartbeat at all): parked again with the new reason.
    await publish(
      heartbeatMessage(topology, { ...JSON.parse(Buffer.from(heartbeat.data).toString()), seq: 2 }, 'b'),
      late.privateKey,
      Buffer.from('{"nodeId":"late-r"}'),
    );
    const malformed = await eventually(async () => (await listed('registry-svc', 'telemetry.heartbeat.late-r'))[0], {
      what: 'the malformed heartbeat parked',
    });
    expect(malformed.reason).toBe('invalid_payload');
    const refused = await gw<DlqBatchReply>('/api/v1/dlq/registry-svc/redrive', { seqs: [malformed.seq] });
    expect(refused.body.results).toEqual([
      { seq: malformed.seq, outcome: 'reparked', detail: expect.stringMatching(/^invalid_payload: /) },
    ]);
    expect(await listed('registry-svc', 'telemetry.heartbeat.late-r')).toEqual([
      expect.objectContaining({ reason: 'invalid_payload', redrives: 1 }),
    ]);
    // A well-behaved heartbeat of the node still flows: its last-seen moves.
    const lastSeen = async () =>
      (await gw<{ lastSeenAt: string | null }>('/api/v1/nodes/late-r')).body.lastSeenAt ?? '';
    const seenBefore = await lastSeen();
    await new Promise((r) => setTimeout(r, 20));
    const live = heartbeatMessage(
      topology,
      { ...JSON.parse(Buffer.from(heartbeat.data).toString()), seq: 3, sentAt: new Date().toISOString() },
      'boot-1',
    );
    const liveSent = await publish(live, late.privateKey);
    await eventually(async () => (await lastSeen()) > seenBefore, { what: 'a live heartbeat of late-r seen' });

    // A copy of that signed heartbeat stored again later (a replay) is parked by the live check as
    // `replayed` (the stream's duplicate window hides a copy sent now, so its DLQ copy is written
    // here as the consumer writes it). Valid in every other way, no redrive takes it.
    const { js } = platform.bus;
    const replayCopy = dlqCopyHeaders(
      { subject: live.subject, data: live.data, headers: liveSent.headers, seq: liveSent.seq + 1_000_000 },
      {
        reason: "identity_mismatch: replayed: node late-r's message 1/9 is not after the last taken, 1/9",
        service: 'registry-svc',
        stream: topology.streams.telemetry,
        parkedAt: new Date().toISOString(),
      },
    );
    replayCopy.set(DlqHeaders.storedAt, String(Date.now()));
    const replay = {
      seq: (await js.publish(topology.subjects.dlq('registry-svc'), live.data, { headers: replayCopy })).seq,
    };
    const replayRedrive = await gw<DlqBatchReply>('/api/v1/dlq/registry-svc/redrive', { seqs: [replay.seq] });
    expect(replayRedrive.body.results).toEqual([
      { seq: replay.seq, outcome: 'reparked', detail: expect.stringMatching(/^identity_mismatch: replayed: /) },
    ]);
    expect(await redriven('registry')).toHaveLength(3);
  });

  it('redrives a sample batch alert-svc refused, from the command line, into the evaluator once', async () => {
    const { topology } = platform.bus;
    const late = generateKeyPairSync('ed25519');
    let batchSeq = 0;
    const sendCpu = (cpu: number) =>
      publish(
        sampleBatchMessage(topology, {
          nodeId: 'late-a',
          seq: ++batchSeq,
          timestamp: Date.now(),
          intervalMs: 1000,
          samples: [{ name: 'node_cpu_usage_percent', labels: {}, value: cpu }],
        }),
        late.privateKey,
      );
    // The evaluator reads new batches only once it is live: send until one is parked.
    const first = await eventually(
      async () => {
        await sendCpu(97);
        return (await listed('alert-svc', 'telemetry.samples.*.late-a'))[0];
      },
      { what: 'a batch of the node not yet enrolled parked by alert-svc', timeoutMs: 30_000, intervalMs: 1000 },
    );
    expect(first).toMatchObject({ reason: 'identity_mismatch', detail: expect.stringMatching(/^not_enrolled: /) });
    expect((await storedAlertEvents(platform)).filter((e) => e.data.labels?.node === 'late-a')).toEqual([]);

    await enroll('late-a', late.publicKey);
    await eventually(
      async () =>
        (
          await pg.query('SELECT 1 FROM alerting.node_identities WHERE node_id = $1 AND public_key IS NOT NULL', [
            'late-a',
          ])
        ).rowCount === 1,
      { what: 'alert-svc to know late-a enrolled' },
    );

    const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-redrive-'));
    const vigil = (...args: string[]) =>
      spawnSync(process.execPath, [join(repoRoot, 'tools/vigil/vigil.js'), ...args], {
        env: { ...process.env, XDG_CONFIG_HOME: dir, VIGIL_PASSWORD: '' },
        encoding: 'utf8',
        input: '',
      });
    const pw = join(dir, 'pw');
    writeFileSync(pw, `${testGatewayAuth.adminPassword}\n`);
    expect(vigil('login', '--url', platform.url('gateway', ''), '--password-file', pw).status).toBe(0);
    const firstCopy = await rawCopy(first.seq);
    const run = vigil('dlq', 'redrive', 'alert-svc', String(first.seq));
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(JSON.parse(run.stdout)).toMatchObject({ results: [{ seq: first.seq, outcome: 'redriven' }] });

    // Evaluated: the HighCPU rule opened an alert for the node from the redriven batch alone.
    const opened = await eventually(
      async () => (await storedAlertEvents(platform)).find((e) => e.data.labels?.node === 'late-a'),
      { what: 'an alert of late-a from the redriven batch', timeoutMs: 20_000 },
    );
    expect(opened.type).toMatch(/^alert\.(pending|firing)$/);
    expect(await redriven('alerting')).toEqual([{ stream_seq: String(first.streamSeq), actor: 'user:admin' }]);

    // Redriven again (a copy left behind): already applied, not evaluated again.
    const left = await leaveBehind('alert-svc', firstCopy);
    const again = vigil('dlq', 'redrive', 'alert-svc', String(left));
    expect(JSON.parse(again.stdout)).toMatchObject({ results: [{ seq: left, outcome: 'already_applied' }] });
    expect(await redriven('alerting')).toHaveLength(1);
  });

  it('takes the actor from the session only: a body naming one is refused, and a request over NATS without one too', async () => {
    const forged = await gw<{ detail?: string }>('/api/v1/dlq/registry-svc/redrive', {
      all: true,
      actor: 'user:someone-else',
    });
    expect(forged.status).toBe(400);
    expect(JSON.stringify(forged.body)).toMatch(/actor/);
    await expect(ask(dlqOperations('registry-svc').redrive, { all: true } as never)).rejects.toThrow(/actor/);
    // A well-formed request still goes through.
    const fine = await gw<DlqBatchReply>('/api/v1/dlq/registry-svc/redrive', {
      all: true,
      filter: { subject: 'nothing.here' },
    });
    expect(fine.status).toBe(200);
    expect(fine.body.results).toEqual([]);
  });

  it("never deletes another service's parked message: registry-svc answers not_found for alert-svc's", async () => {
    const { js, topology } = platform.bus;
    const m = sampleBatchMessage(topology, {
      nodeId: 'broken-a',
      seq: 1,
      timestamp: Date.now(),
      intervalMs: 1000,
      samples: [{ name: 'x', labels: {}, value: 1 }],
    });
    await js.publish(m.subject, Buffer.from('not a batch'));
    const theirs = await eventually(async () => (await listed('alert-svc', 'telemetry.samples.*.broken-a'))[0], {
      what: 'the malformed batch parked by alert-svc',
    });
    const purge = await gw<DlqBatchReply>('/api/v1/dlq/registry-svc/purge', { seqs: [theirs.seq] });
    expect(purge.body.results).toEqual([{ seq: theirs.seq, outcome: 'not_found' }]);
    const redrive = await gw<DlqBatchReply>('/api/v1/dlq/registry-svc/redrive', { seqs: [theirs.seq] });
    expect(redrive.body.results).toEqual([{ seq: theirs.seq, outcome: 'not_found' }]);
    expect((await gw(`/api/v1/dlq/alert-svc/${theirs.seq}`)).status).toBe(200);
    // Its owner still may.
    const own = await gw<DlqBatchReply>('/api/v1/dlq/alert-svc/purge', { seqs: [theirs.seq] });
    expect(own.body.results).toEqual([{ seq: theirs.seq, outcome: 'purged' }]);
  });
});
