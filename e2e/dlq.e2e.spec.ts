import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers, type MsgHdrs } from '@nats-io/nats-core';
import {
  DlqHeaders,
  type DlqBatchReply,
  type DlqEntry,
  encodePublicKey,
  ensureStreams,
  identityCommands,
  type QueryDefinition,
  type SampleBatch,
  sampleBatchMessage,
  signMessage,
  type z,
} from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually, repoRoot, type ServiceProcess, testGatewayAuth } from '@vigil/test-support';
import { Client } from 'pg';
import { TestPlatform } from './platform';

jest.setTimeout(120_000);

/**
 * The dead-letter queue under hostile input and faults, with the real services on a nats-server
 * with authorization (teardown fails on any permission the server refused): a batch carrying
 * JetStream control headers is parked without them and ingest goes on; a missing DLQ stream
 * makes the consumer back off and alarm without losing the message; parked batches are redriven
 * through the gateway after the fault is fixed and land in the rollups exactly once.
 */
describe('DLQ: parking hostile messages, park failures, redrive', () => {
  const platform = new TestPlatform();
  let pg: Client;
  let metrics: { process: ServiceProcess; port: number };
  const good = generateKeyPairSync('ed25519');
  const late = generateKeyPairSync('ed25519');
  let seq = 0;

  const ask = <Req extends z.ZodType, Rep extends z.ZodType>(def: QueryDefinition<Req, Rep>, req: z.input<Req>) =>
    requestQuery(platform.bus.nc, platform.bus.topology, def, req, 10_000);
  const enroll = async (nodeId: string, key: KeyObject) => {
    const { token } = await ask(identityCommands.createEnrollmentToken, { ttlSeconds: 600, nodeId });
    await ask(identityCommands.enroll, { token, nodeId, publicKey: encodePublicKey(key), hostname: nodeId });
  };

  beforeAll(async () => {
    await platform.setup();
    await platform.startRegistry();
    metrics = await platform.startMetrics({
      VIGIL_METRICS_GRACE_MS: '0',
      VIGIL_METRICS_FLUSH_MS: '200',
      VIGIL_REQUIRE_ENROLLMENT: 'true',
    });
    await platform.startGateway();
    pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
    await enroll('good1', good.publicKey);
  });
  afterAll(async () => {
    await pg?.end();
    await platform.teardown();
  });

  /** A batch of one sample, signed with `key` (or not), with `extra` headers, published as the agent would. */
  async function send(
    nodeId: string,
    value: number,
    opts: { key?: KeyObject; extra?: MsgHdrs; data?: Uint8Array } = {},
  ): Promise<void> {
    const batch: SampleBatch = {
      nodeId,
      seq: ++seq,
      timestamp: Date.now() - 30_000,
      intervalMs: 1000,
      samples: [{ name: 'probe', labels: {}, value }],
    };
    const m = sampleBatchMessage(platform.bus.topology, batch);
    const h = opts.extra ?? headers();
    if (opts.key) {
      const signed = signMessage(opts.key, m, { signedAt: Date.now(), boot: 1, seq });
      for (const [name, v] of Object.entries(signed)) h.set(name, v);
    }
    if (!h.has('Nats-Msg-Id')) h.set('Nats-Msg-Id', m.msgId);
    await platform.bus.js.publish(m.subject, opts.data ?? m.data, { headers: h });
  }

  const storedSum = async (nodeId: string) =>
    Number(
      (
        await pg.query(
          `SELECT coalesce(sum(r.sum), 0) AS s, coalesce(sum(r.count), 0) AS c
             FROM metrics.rollup_10s r JOIN metrics.series s ON s.id = r.series_id WHERE s.node_id = $1`,
          [nodeId],
        )
      ).rows[0].s,
    );

  /** The node's sum once the batches still in flight (the probes above) are in: the same over a second. */
  const settled = async (nodeId: string) => {
    let last = await storedSum(nodeId);
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = await storedSum(nodeId);
      if (now === last) return now;
      last = now;
    }
  };

  /** Every message parked by metrics-svc, straight from the DLQ stream (as the test's admin). */
  async function parked(): Promise<{ seq: number; headers: MsgHdrs; data: Uint8Array }[]> {
    const { jsm, topology } = platform.bus;
    const info = await jsm.streams.info(topology.streams.dlq);
    const out = [];
    for (let s = info.state.first_seq; info.state.messages > 0 && s <= info.state.last_seq; s++) {
      const m = await jsm.streams.getMessage(topology.streams.dlq, { seq: s }).catch(() => undefined);
      if (m && m.subject === topology.subjects.dlq('metrics-svc'))
        out.push({ seq: m.seq, headers: m.header, data: m.data });
    }
    return out;
  }

  /** The copy's only `Nats-*` header is the DLQ publish's own message id (its deduplication), none of the original's. */
  const expectNoOriginalControlHeaders = (h: MsgHdrs) => {
    expect([...h.keys()].filter((k) => /^nats-/i.test(k))).toEqual(['Nats-Msg-Id']);
    expect(h.get('Nats-Msg-Id')).toMatch(/^dlq:metrics-svc:/);
  };

  const metricValue = async (name: string, labels: string) => {
    const page = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
    const line = page.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  const gw = async <T>(path: string, json?: unknown, requestId?: string): Promise<{ status: number; body: T }> => {
    const r = await platform.gatewayFetch(path, {
      method: json === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    return { status: r.status, body: (await r.json()) as T };
  };

  it('parks a malformed batch that carries JetStream control headers without them, and goes on ingesting', async () => {
    const { jsm, topology } = platform.bus;
    // The identities projection may lag the enrollment by a moment: send until one is stored.
    await eventually(
      async () => {
        await send('good1', 5, { key: good.privateKey });
        return (await storedSum('good1')) > 0;
      },
      { what: 'a first good batch stored', timeoutMs: 20_000, intervalMs: 500 },
    );
    const base = await settled('good1');
    const last = (await jsm.streams.info(topology.streams.telemetry)).state.last_seq;
    const hostile = headers();
    // Each header is one the server honours, and each holds for TELEMETRY: the publish is stored there.
    hostile.set('Nats-Expected-Stream', topology.streams.telemetry);
    hostile.set('Nats-Expected-Last-Sequence', String(last));
    hostile.set('Nats-Expected-Last-Subject-Sequence', '0');
    hostile.set('Nats-Msg-Id', 'hostile-batch-1');
    hostile.set('X-Agent-Note', 'kept');
    await send('hostile1', 1, { extra: hostile, data: Buffer.from('{"nodeId":"hostile1","samples":"nope"}') });

    const copy = await eventually(
      async () => (await parked()).find((p) => p.headers.get(DlqHeaders.originalSubject).endsWith('.hostile1')),
      { what: 'the hostile batch parked', timeoutMs: 20_000 },
    );
    expect(copy.headers.get(DlqHeaders.reason)).toMatch(/^invalid_payload: /);
    expectNoOriginalControlHeaders(copy.headers);
    expect(copy.headers.get('Vigil-Dlq-Orig-Nats-Expected-Stream')).toBe(topology.streams.telemetry);
    expect(copy.headers.get('Vigil-Dlq-Orig-Nats-Msg-Id')).toBe('hostile-batch-1');
    expect(copy.headers.get('Vigil-Dlq-Orig-X-Agent-Note')).toBe('kept');
    expect(copy.headers.get(DlqHeaders.stream)).toBe(topology.streams.telemetry);
    expect(copy.headers.get(DlqHeaders.consumer)).toMatch(/^metrics-ingest-p\d$/);
    expect(Number(copy.headers.get(DlqHeaders.storedAt))).toBeGreaterThan(Date.now() - 60_000);

    // A batch as large as the server takes, with 8 kB of headers: its copy (with provenance) would
    // not fit as it was; it is parked cut, and said so.
    const max = platform.bus.nc.info!.max_payload;
    const bulky = headers();
    for (let i = 0; i < 8; i++) bulky.set(`X-Pad-${i}`, 'p'.repeat(1000));
    bulky.set('Nats-Msg-Id', 'hostile-bulky-1');
    const headerSize = 12 + [...bulky.keys()].reduce((n, k) => n + k.length + bulky.get(k).length + 4, 0);
    await send('hostile3', 1, { extra: bulky, data: Buffer.alloc(max - headerSize - 64, 'x') });
    const cut = await eventually(
      async () => (await parked()).find((p) => p.headers.get(DlqHeaders.originalSubject).endsWith('.hostile3')),
      { what: 'the near-limit batch parked', timeoutMs: 20_000 },
    );
    expect(Number(cut.headers.get(DlqHeaders.truncated))).toBe(max - headerSize - 64);
    expect(cut.data.length).toBeLessThan(max - headerSize - 64);
    expectNoOriginalControlHeaders(cut.headers);

    // A well-behaved node's fresh batch is ingested after them.
    await send('good1', 7, { key: good.privateKey });
    await eventually(async () => (await storedSum('good1')) === base + 7, { what: 'the fresh good batch stored' });
    expect(await metricValue('vigil_dlq_park_failures_total', 'reason="refused"')).toBe(0);
  });

  it('parks an event carrying an EVENTS expectation, and the projection goes on applying later events', async () => {
    const { js, topology } = platform.bus;
    const h = headers();
    h.set('Nats-Expected-Stream', topology.streams.events);
    h.set('Nats-Msg-Id', 'hostile-event-1');
    await js.publish(topology.subjects.events('identity', 'hostile-ev'), Buffer.from('{"not":"an event"}'), {
      headers: h,
    });
    const copy = await eventually(
      async () =>
        (await parked()).find((p) => p.headers.get(DlqHeaders.originalSubject).endsWith('.identity.hostile-ev')),
      { what: 'the hostile event parked by the identities projection', timeoutMs: 20_000 },
    );
    expectNoOriginalControlHeaders(copy.headers);
    expect(copy.headers.get(DlqHeaders.stream)).toBe(topology.streams.events);
    expect(copy.headers.get(DlqHeaders.consumer)).toBe('projection metrics-identities');

    // The identities projection applies the next event: a batch of the node enrolled after it is stored.
    const fresh = generateKeyPairSync('ed25519');
    await enroll('after-ev', fresh.publicKey);
    await eventually(
      async () => {
        await send('after-ev', 3, { key: fresh.privateKey });
        return (await storedSum('after-ev')) > 0;
      },
      { what: 'a node enrolled after the hostile event ingested', timeoutMs: 20_000, intervalMs: 500 },
    );
  });

  it('redrives through the gateway, after the fault is fixed, into the rollups exactly once; refused again it is parked again', async () => {
    // Not enrolled yet: metrics-svc parks the node's signed batch.
    await send('late1', 42, { key: late.privateKey });
    const first = await eventually(
      async () => {
        const r = await gw<{ entries: DlqEntry[] }>(
          `/api/v1/dlq?service=metrics-svc&reason=identity_mismatch&subject=telemetry.samples.*.late1`,
        );
        return r.body.entries?.[0];
      },
      { what: 'the batch of the node not yet enrolled listed', timeoutMs: 20_000 },
    );
    expect(first).toMatchObject({
      service: 'metrics-svc',
      redrives: 0,
      stream: platform.bus.topology.streams.telemetry,
    });
    expect(first.detail).toBe('not_enrolled: node late1 has not enrolled');
    const shown = await gw<{
      payload: { encoding: string; data: { nodeId: string } };
      headers: Record<string, string[]>;
    }>(`/api/v1/dlq/metrics-svc/${first.seq}`);
    expect(shown.status).toBe(200);
    expect(shown.body.payload).toMatchObject({ encoding: 'json', truncated: false, data: { nodeId: 'late1' } });
    const raw = (await parked()).find((p) => p.seq === first.seq)!;

    // The fix: the node enrolls. Once metrics-svc knows (a fresh batch is stored), the parked one is redriven.
    await enroll('late1', late.publicKey);
    await eventually(
      async () => {
        await send('late1', 1, { key: late.privateKey });
        return (await storedSum('late1')) >= 1;
      },
      { what: 'metrics-svc to know late1 enrolled', timeoutMs: 20_000, intervalMs: 500 },
    );
    const before = await settled('late1');
    const requestId = `dlq-redrive-${Date.now()}`;
    const redriven = await gw<DlqBatchReply>('/api/v1/dlq/metrics-svc/redrive', { seqs: [first.seq] }, requestId);
    expect(redriven.status).toBe(200);
    expect(redriven.body.results).toEqual([{ seq: first.seq, outcome: 'redriven' }]);
    expect(await storedSum('late1')).toBe(before + 42);
    // Gone from the DLQ; asked again it is not found, and nothing is counted twice.
    expect((await gw<DlqBatchReply>('/api/v1/dlq/metrics-svc/redrive', { seqs: [first.seq] })).body.results).toEqual([
      { seq: first.seq, outcome: 'not_found' },
    ]);
    // A crash between the merge and the deletion leaves the copy behind: a second redrive of it is not merged again.
    const { js, topology } = platform.bus;
    const copyOfCopy = headers();
    for (const [k, v] of raw.headers) if (k !== 'Nats-Msg-Id') for (const x of v) copyOfCopy.append(k, x);
    const leftBehind = await js.publish(topology.subjects.dlq('metrics-svc'), raw.data, { headers: copyOfCopy });
    const again = await gw<DlqBatchReply>('/api/v1/dlq/metrics-svc/redrive', { seqs: [leftBehind.seq] });
    expect(again.body.results).toEqual([{ seq: leftBehind.seq, outcome: 'already_applied' }]);
    expect(await storedSum('late1')).toBe(before + 42);

    // The redrive is in the audit trail, by the admin.
    const trail = await gw<{ items: { action: string; actor: string; status: number }[] }>(
      `/api/v1/audit?requestId=${requestId}`,
    );
    expect(trail.body.items).toEqual([
      expect.objectContaining({ action: 'POST /api/v1/dlq/:service/redrive', actor: 'user:admin', status: 200 }),
    ]);

    // A malformed batch redriven is refused again: parked again with one more redrive, once per request.
    const malformed = (
      await gw<{ entries: DlqEntry[] }>('/api/v1/dlq?service=metrics-svc&reason=invalid_payload&subject=telemetry.>')
    ).body.entries;
    // hostile1 (malformed), hostile3 (cut to fit: never redriven).
    expect(malformed.map((e) => [e.originalSubject.split('.').pop(), e.truncated ?? false])).toEqual([
      ['hostile1', false],
      ['hostile3', true],
    ]);
    const r1 = await gw<DlqBatchReply>('/api/v1/dlq/metrics-svc/redrive', {
      all: true,
      filter: { reason: 'invalid_payload', subject: 'telemetry.>' },
    });
    expect(r1.body.results).toEqual([
      expect.objectContaining({ seq: malformed[0].seq, outcome: 'reparked' }),
      {
        seq: malformed[1].seq,
        outcome: 'failed',
        detail: 'the payload was cut when it was parked: it cannot be redriven',
      },
    ]);
    const reparked = (
      await gw<{ entries: DlqEntry[] }>(
        '/api/v1/dlq?service=metrics-svc&reason=invalid_payload&subject=telemetry.samples.*.hostile1',
      )
    ).body.entries;
    expect(reparked).toEqual([expect.objectContaining({ redrives: 1, streamSeq: malformed[0].streamSeq })]);
    expect(reparked[0].seq).toBeGreaterThan(malformed[0].seq);
    // An event has no redrive in metrics-svc: it stays, said so.
    const events = (await gw<{ entries: DlqEntry[] }>('/api/v1/dlq?service=metrics-svc&subject=events.>')).body.entries;
    const unsupported = await gw<DlqBatchReply>('/api/v1/dlq/metrics-svc/redrive', { seqs: [events[0].seq] });
    expect(unsupported.body.results[0].outcome).toBe('unsupported');

    // Purge what is left of the malformed ones.
    const purged = await gw<DlqBatchReply>('/api/v1/dlq/metrics-svc/purge', {
      all: true,
      filter: { reason: 'invalid_payload', subject: 'telemetry.>' },
    });
    expect(purged.body.counts).toEqual({ purged: 2 });
    expect(
      (await gw<{ entries: DlqEntry[] }>('/api/v1/dlq?reason=invalid_payload&subject=telemetry.>')).body.entries,
    ).toEqual([]);
    // A bad selection is refused with the field named.
    const bad = await gw<{ detail?: string }>('/api/v1/dlq/metrics-svc/purge', { seqs: [1], all: true });
    expect(bad.status).toBe(400);
  });

  it('lists, shows, redrives and purges from the command line (vigil dlq)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-dlq-'));
    const vigil = (...args: string[]) =>
      spawnSync(process.execPath, [join(repoRoot, 'tools/vigil/vigil.js'), ...args], {
        env: { ...process.env, XDG_CONFIG_HOME: dir, VIGIL_PASSWORD: '' },
        encoding: 'utf8',
        input: '',
      });
    const pw = join(dir, 'pw');
    writeFileSync(pw, `${testGatewayAuth.adminPassword}\n`);
    expect(vigil('login', '--url', platform.url('gateway', ''), '--password-file', pw).status).toBe(0);

    const table = vigil('dlq', 'list', '--service', 'metrics-svc', '--subject', 'events.>');
    expect([table.status, table.stderr]).toEqual([0, '']);
    expect(table.stdout.split('\n')[0]).toMatch(/^SEQ\s+SERVICE\s+REASON\s+SUBJECT\s+REDRIVES\s+PARKED AT\s+DETAIL$/);
    expect(table.stdout).toMatch(/metrics-svc\s+invalid_payload\s+\S+\.events\.identity\.hostile-ev\s+0/);
    const listed = JSON.parse(
      vigil('dlq', 'list', '--service', 'metrics-svc', '--subject', 'events.>', '--json').stdout,
    ) as {
      entries: DlqEntry[];
    };
    expect(listed.entries).toHaveLength(1);
    const seq = String(listed.entries[0].seq);
    const shown = vigil('dlq', 'show', 'metrics-svc', seq);
    expect(JSON.parse(shown.stdout)).toMatchObject({ payload: { encoding: 'json', data: { not: 'an event' } } });
    // No redrive for an event in metrics-svc: said so, and a non-zero exit for scripts.
    const redrive = vigil('dlq', 'redrive', 'metrics-svc', seq);
    expect(redrive.status).toBe(3);
    expect(JSON.parse(redrive.stdout)).toMatchObject({ results: [{ outcome: 'unsupported' }] });
    const purge = vigil('dlq', 'purge', 'metrics-svc', '--all', '--subject', 'events.identity.*');
    expect([purge.status, JSON.parse(purge.stdout).counts]).toEqual([0, { purged: 1 }]);
    expect(vigil('dlq', 'show', 'metrics-svc', seq).status).toBe(1);
    expect(vigil('dlq', 'redrive', 'metrics-svc').stderr).toMatch(/by sequence, or --all/);
  });

  it("shows, redrives and purges the gateway's own DLQ (its read models park there), with the gateway's own NATS rights", async () => {
    const { js, topology } = platform.bus;
    const h = headers();
    h.set('Nats-Expected-Stream', topology.streams.events);
    await js.publish(topology.subjects.events('user', 'hostile-user'), Buffer.from('{"broken":'), { headers: h });
    const entry = await eventually(
      async () =>
        (await gw<{ entries: DlqEntry[] }>('/api/v1/dlq?service=gateway&subject=events.user.*')).body.entries?.[0],
      { what: "the gateway's users projection to park the event", timeoutMs: 20_000 },
    );
    expect(entry).toMatchObject({ service: 'gateway', reason: 'invalid_payload', redrives: 0 });
    // In the list over every DLQ too, in sequence order.
    const everyone = (await gw<{ entries: DlqEntry[] }>('/api/v1/dlq?limit=500')).body.entries;
    expect(everyone.map((e) => e.seq)).toEqual([...everyone.map((e) => e.seq)].sort((a, b) => a - b));
    expect(everyone.some((e) => e.seq === entry.seq && e.service === 'gateway')).toBe(true);
    const shown = await gw<{ payload: { encoding: string; data: string } }>(`/api/v1/dlq/gateway/${entry.seq}`);
    expect(shown.body.payload).toEqual({ encoding: 'utf8', data: '{"broken":', truncated: false });
    // Redriven into the users read model it is still not an event: parked again with the reason.
    expect((await gw<DlqBatchReply>('/api/v1/dlq/gateway/redrive', { seqs: [entry.seq] })).body.results).toEqual([
      { seq: entry.seq, outcome: 'reparked', detail: expect.stringMatching(/^invalid_payload: /) },
    ]);
    const reparked = (await gw<{ entries: DlqEntry[] }>('/api/v1/dlq?service=gateway&subject=events.user.*')).body
      .entries;
    expect(reparked).toEqual([expect.objectContaining({ redrives: 1, streamSeq: entry.streamSeq })]);
    expect((await gw<DlqBatchReply>('/api/v1/dlq/gateway/purge', { seqs: [reparked[0].seq] })).body.counts).toEqual({
      purged: 1,
    });
    expect(
      (await gw<{ entries: DlqEntry[] }>('/api/v1/dlq?service=gateway&subject=events.user.*')).body.entries,
    ).toEqual([]);
    // Users still work: the projection went on.
    const created = await platform.gatewayFetch('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'after-dlq', role: 'viewer', password: 'a-long-password-1' }),
    });
    expect(created.status).toBe(201);
    await eventually(async () => (await platform.gatewayFetch('/api/v1/users/after-dlq')).status === 200, {
      what: 'the user created after the parked event to be readable',
    });
  });

  it('backs off without spinning while the DLQ stream is missing, counts and alarms, and recovers when it is back', async () => {
    const { jsm, topology } = platform.bus;
    await jsm.streams.delete(topology.streams.dlq);
    const before = await storedSum('good1');
    await send('hostile2', 1, { data: Buffer.from('not json at all') });
    await send('good1', 11, { key: good.privateKey });
    await eventually(async () => (await metricValue('vigil_dlq_park_failures_total', 'reason="no_stream"')) >= 1, {
      what: 'the first failed park counted',
      timeoutMs: 20_000,
    });
    const start = Date.now();
    const at0 = await metricValue('vigil_dlq_park_failures_total', 'reason="no_stream"');
    await new Promise((r) => setTimeout(r, 6000));
    const attempts = (await metricValue('vigil_dlq_park_failures_total', 'reason="no_stream"')) - at0;
    const window = (Date.now() - start) / 1000;
    const perSecond = attempts / window;
    // A capped exponential backoff: a handful in 6 s (a spinning consumer makes thousands).
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(perSecond).toBeLessThan(2);
    expect(metrics.process.lines.some((l) => l.includes('"alarm":"dlq_park_failed"'))).toBe(true);
    // Nothing was skipped: the good batch behind it waits.
    expect(await storedSum('good1')).toBe(before);

    await ensureStreams(jsm, topology);
    await eventually(async () => (await storedSum('good1')) === before + 11, {
      what: 'the good batch stored once the DLQ is back',
      timeoutMs: 40_000,
      intervalMs: 500,
    });
    const copy = (await parked()).find((p) => p.headers.get(DlqHeaders.originalSubject).endsWith('.hostile2'));
    expect(copy?.headers.get(DlqHeaders.reason)).toMatch(/^invalid_payload/);
    console.log(`DLQ missing: ${attempts} park attempts in ${window.toFixed(1)} s`);
  });
});
