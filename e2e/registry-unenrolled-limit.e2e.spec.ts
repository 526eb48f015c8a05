import { agentEventMessage, type Heartbeat, DlqHeaders } from '@vigil/contracts';
import { eventually, testUrls } from '@vigil/test-support';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { TestPlatform } from './platform';

jest.setTimeout(90_000);

const LIMIT = 20;
const FLOOD = 200;

/**
 * VIGIL_MAX_UNENROLLED_NODES: with enrollment not required, heartbeats from new ids past the
 * limit register nothing (no node, no presence in Redis); they are parked as over_limit and
 * counted, while the nodes already registered keep being updated.
 */
describe('registry-svc bounds the nodes that never enrolled', () => {
  const platform = new TestPlatform({ VIGIL_MAX_UNENROLLED_NODES: String(LIMIT) });
  let pg: Client;
  let redis: Redis;

  beforeAll(async () => {
    await platform.setup();
    await platform.startRegistry();
    pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
    redis = new Redis(testUrls.redis);
  });
  afterAll(async () => {
    await pg.end();
    redis.disconnect();
    await platform.teardown();
  });

  const heartbeat = (nodeId: string, seq: number, configVersion = 'v1'): Buffer =>
    Buffer.from(
      JSON.stringify({
        nodeId,
        seq,
        sentAt: new Date().toISOString(),
        hostname: `host-${nodeId}`,
        agentVersion: 'test',
        uptimeSeconds: seq,
        intervalMs: 1000,
        labels: {},
        config: { version: configVersion, status: 'applied' },
      } satisfies Heartbeat),
    );
  const publish = (nodeId: string, seq: number, configVersion?: string) =>
    platform.bus.js.publish(platform.bus.topology.subjects.heartbeat(nodeId), heartbeat(nodeId, seq, configVersion));
  const registered = async () =>
    Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM registry.nodes')).rows[0].n);
  const refusedCount = async () => {
    const page = await (await fetch(platform.url('registry-svc', '/metrics'))).text();
    const line = page.split('\n').find((l) => l.startsWith('vigil_registry_unenrolled_refused_total'));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('refuses new ids past the limit, parked and counted; known nodes still update', async () => {
    for (let i = 0; i < LIMIT; i++) await publish(`known-${i}`, 1);
    await eventually(async () => (await registered()) === LIMIT, { what: `${LIMIT} nodes registered` });
    // The count registry-svc trusts for a second is then the read model's.
    await new Promise((r) => setTimeout(r, 1200));

    const started = Date.now();
    for (let i = 0; i < FLOOD; i++) await publish(`flood-${i}`, 1);
    // A known node reports a new configuration in the middle of the flood.
    await publish('known-3', 2, 'v2');
    for (let i = FLOOD; i < 2 * FLOOD; i++) await publish(`flood-${i}`, 1);

    const { jsm, topology } = platform.bus;
    await eventually(async () => (await jsm.streams.info(topology.streams.dlq)).state.messages >= 2 * FLOOD, {
      what: 'the flood parked',
      timeoutMs: 30_000,
    });
    const ms = Date.now() - started;
    expect((await jsm.streams.info(topology.streams.dlq)).state.messages).toBe(2 * FLOOD);
    const first = await jsm.streams.getMessage(topology.streams.dlq, { seq: 1 });
    expect(first!.header.get(DlqHeaders.reason)).toMatch(
      /^over_limit: unenrolled_nodes: node flood-\d+ never enrolled and 20 nodes that never enrolled are registered/,
    );
    expect(await refusedCount()).toBe(2 * FLOOD);
    expect(await registered()).toBe(LIMIT);
    // Nothing kept in Redis for the refused ids.
    const lastSeen = `${platform.redisPrefix}registry:presence:last-seen`;
    expect(await redis.zcard(lastSeen)).toBe(LIMIT);
    expect(await redis.zscore(lastSeen, 'flood-7')).toBeNull();
    expect(await redis.hlen(`${platform.redisPrefix}registry:presence:status`)).toBe(LIMIT);

    // The known node's new configuration went through.
    await eventually(
      async () =>
        (await pg.query<{ config: { version: string } }>(`SELECT config FROM registry.nodes WHERE id = 'known-3'`))
          .rows[0]?.config.version === 'v2',
      { what: 'known-3 to report v2' },
    );
    // And every known node's next heartbeat moves its last-seen on.
    const before = Number(await redis.zscore(lastSeen, 'known-11'));
    await publish('known-11', 3);
    await eventually(async () => Number(await redis.zscore(lastSeen, 'known-11')) > before, {
      what: 'known-11 seen again',
    });
    console.log(`${2 * FLOOD} heartbeats from new unenrolled ids parked in ${ms} ms`);
  });

  it('records agent events only for registered nodes: a refused id keeps no rows', async () => {
    const event = (nodeId: string) =>
      agentEventMessage(platform.bus.topology, {
        nodeId,
        process: 'node_exporter',
        type: 'started',
        at: new Date().toISOString(),
        pid: 100,
      });
    for (const nodeId of ['flood-1', 'flood-2', 'known-5']) {
      const m = event(nodeId);
      await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId });
    }
    const rows = async () =>
      (await pg.query<{ node_id: string }>('SELECT node_id FROM registry.supervised_processes ORDER BY node_id')).rows;
    await eventually(async () => (await rows()).length > 0, { what: "known-5's process recorded" });
    // The refused ids' events wait for a registration that does not come (retried, then parked).
    await new Promise((r) => setTimeout(r, 3000));
    expect((await rows()).map((r) => r.node_id)).toEqual(['known-5']);
  });
});
