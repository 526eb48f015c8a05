import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { headers } from '@nats-io/nats-core';
import {
  DlqHeaders,
  encodePublicKey,
  identityCommands,
  type QueryDefinition,
  type SampleBatch,
  sampleBatchMessage,
  securityEvents,
  signMessage,
  type z,
} from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually } from '@vigil/test-support';
import { Client } from 'pg';
import { TestPlatform } from './platform';

jest.setTimeout(60_000);

/** metrics-svc stores a node's samples only when they prove the node's identity. */
describe('metrics-svc refuses bad sample batches: other identities, malformed, future-dated', () => {
  const platform = new TestPlatform();
  let pg: Client;
  let metricsPort = 0;
  const ask = <Req extends z.ZodType, Rep extends z.ZodType>(def: QueryDefinition<Req, Rep>, req: z.input<Req>) =>
    requestQuery(platform.bus.nc, platform.bus.topology, def, req, 10_000);
  const keys = generateKeyPairSync('ed25519');
  const thief = generateKeyPairSync('ed25519');
  let seq = 0;

  beforeAll(async () => {
    await platform.setup();
    await platform.startRegistry();
    metricsPort = (await platform.startMetrics({ VIGIL_METRICS_GRACE_MS: '0', VIGIL_METRICS_FLUSH_MS: '200' })).port;
    pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg.end();
    await platform.teardown();
  });

  async function send(
    nodeId: string,
    value: number,
    opts: { key?: KeyObject; subjectNode?: string } = {},
  ): Promise<void> {
    const batch: SampleBatch = {
      nodeId,
      seq: ++seq,
      timestamp: Date.now() - 30_000,
      intervalMs: 1000,
      samples: [{ name: 'probe', labels: {}, value }],
    };
    const m = sampleBatchMessage(platform.bus.topology, batch);
    const subject = opts.subjectNode
      ? m.subject.replace(new RegExp(`\\.${nodeId}$`), `.${opts.subjectNode}`)
      : m.subject;
    const h = headers();
    if (opts.key) {
      const signed = signMessage(opts.key, { ...m, subject }, { signedAt: Date.now(), boot: 1, seq });
      for (const [name, value] of Object.entries(signed)) h.set(name, value);
    }
    await platform.bus.js.publish(subject, m.data, { msgID: m.msgId, headers: h });
  }

  const storedSum = async (nodeId: string) =>
    Number(
      (
        await pg
          .query(
            `SELECT coalesce(sum(r.sum), 0) AS s FROM metrics.rollup_10s r JOIN metrics.series s ON s.id = r.series_id WHERE s.node_id = $1`,
            [nodeId],
          )
          .catch(() => ({ rows: [{ s: 0 }] }))
      ).rows[0].s,
    );

  async function parked(): Promise<string[]> {
    const { jsm, topology } = platform.bus;
    const info = await jsm.streams.info(topology.streams.dlq);
    const out: string[] = [];
    for (let s = info.state.first_seq; info.state.messages > 0 && s <= info.state.last_seq; s++) {
      const m = await jsm.streams.getMessage(topology.streams.dlq, { seq: s }).catch(() => undefined);
      if (m && m.subject.endsWith('metrics-svc')) out.push(m.header.get(DlqHeaders.reason));
    }
    return out;
  }

  it('stores signed batches of an enrolled node and parks forged, unsigned and misaddressed ones', async () => {
    const { token } = await ask(identityCommands.createEnrollmentToken, { ttlSeconds: 600, nodeId: 'msec1' });
    await ask(identityCommands.enroll, {
      token,
      nodeId: 'msec1',
      publicKey: encodePublicKey(keys.publicKey),
      hostname: 'h1',
    });

    // The identities projection may lag the enrollment by a moment: wait until an unsigned batch is refused.
    await eventually(
      async () => {
        await send('msec1', 1000);
        return (await parked()).some((r) => r.includes('unsigned'));
      },
      { timeoutMs: 15_000, intervalMs: 300, what: 'metrics-svc to know msec1 enrolled' },
    );
    const before = await storedSum('msec1');
    await send('msec1', 7, { key: keys.privateKey });
    await send('msec1', 100, { key: thief.privateKey });
    await send('other', 5, { subjectNode: 'msec1' });
    await eventually(async () => (await storedSum('msec1')) === before + 7, { what: 'the signed batch stored' });
    const reasons = await eventually(
      async () => {
        const r = await parked();
        return r.some((x) => x.includes('bad_signature')) && r.some((x) => x.includes('subject_mismatch'))
          ? r
          : undefined;
      },
      { what: 'the forgeries parked' },
    );
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^identity_mismatch: bad_signature: signature does not match node msec1's key/),
        expect.stringMatching(
          /^identity_mismatch: subject_mismatch: subject names node msec1 but the batch claims other/,
        ),
      ]),
    );
    expect(await storedSum('other')).toBe(0);
    const page = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(page).toMatch(/vigil_security_violations_total\{[^}]*reason="bad_signature"[^}]*\} 1/);

    const { js, topology } = platform.bus;
    const consumer = await js.consumers.get(topology.streams.events, {
      filter_subjects: topology.subjects.events('security', 'msec1'),
    });
    const iter = await consumer.consume();
    const seen: string[] = [];
    for await (const m of iter) {
      const e = securityEvents.read(m.json());
      if (e.meta.actor === 'service:metrics-svc') seen.push(e.data.reason);
      if (m.info.pending === 0) break;
    }
    await iter.close();
    expect(seen).toEqual(expect.arrayContaining(['unsigned', 'bad_signature']));
  });

  it('refuses a revoked node from then on', async () => {
    await ask(identityCommands.revokeNode, { nodeId: 'msec1', reason: 'decommissioned' });
    await eventually(
      async () => {
        await send('msec1', 1, { key: keys.privateKey });
        return (await parked()).some((r) => /revoked: node msec1 is revoked/.test(r));
      },
      { timeoutMs: 15_000, intervalMs: 300, what: 'a signed batch of the revoked node to be refused' },
    );
  });

  it('parks malformed and future-dated batches with their reason, counts too-old samples, and goes on', async () => {
    const { js, topology } = platform.bus;
    const subject = sampleBatchMessage(topology, {
      nodeId: 'bad1',
      seq: 1,
      timestamp: Date.now(),
      intervalMs: 1000,
      samples: [],
    }).subject;
    await js.publish(subject, Buffer.from('{"nodeId":"bad1","samples":"nope"}'), { msgID: 'bad1-malformed' });
    const future: SampleBatch = {
      nodeId: 'bad1',
      seq: 2,
      timestamp: Date.now() + 3600_000,
      intervalMs: 1000,
      samples: [{ name: 'probe', labels: {}, value: 1 }],
    };
    const f = sampleBatchMessage(topology, future);
    await js.publish(f.subject, f.data, { msgID: f.msgId });
    const old: SampleBatch = {
      nodeId: 'bad1',
      seq: 3,
      timestamp: Date.now() - 500 * 24 * 3600_000,
      intervalMs: 1000,
      samples: [
        { name: 'probe', labels: {}, value: 1 },
        { name: 'probe2', labels: {}, value: 1 },
      ],
    };
    const o = sampleBatchMessage(topology, old);
    await js.publish(o.subject, o.data, { msgID: o.msgId });
    await send('bad1', 9);
    await eventually(async () => (await storedSum('bad1')) === 9, {
      what: 'the valid batch after the bad ones stored',
    });
    const reasons = await parked();
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^invalid_payload: .*sample batch/),
        expect.stringMatching(/^invalid_payload: batch timestamp .* is in the future/),
      ]),
    );
    const page = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(page).toMatch(/vigil_metrics_samples_discarded_total\{[^}]*reason="too_old"[^}]*\} 2/);
    expect(page).toMatch(/vigil_dlq_messages_total\{[^}]*reason="invalid_payload"[^}]*\} 2/);
  });
});
