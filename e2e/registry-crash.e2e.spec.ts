import { DeliverPolicy } from '@nats-io/jetstream';
import { type Heartbeat, nodeEvents, type NodeEvent, registryQueries } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually, sleep } from '@vigil/test-support';
import { Client } from 'pg';
import { TestPlatform } from './platform';

jest.setTimeout(120_000);

const NODES = 12;
const FLAPPING = 4;

/**
 * SIGKILL registry-svc while heartbeats flow and nodes come and go, start it
 * again, and check that the event log and the read model agree exactly: every
 * event applied once, none lost, none decided twice.
 */
describe('registry-svc killed with SIGKILL mid-flow', () => {
  const platform = new TestPlatform({ VIGIL_OFFLINE_TIMEOUT_MS: '1500', VIGIL_PRESENCE_SWEEP_MS: '200' });
  let publishing = true;
  let flapping = true;

  beforeAll(() => platform.setup());
  afterAll(() => platform.teardown());

  async function heartbeats(): Promise<void> {
    const { js, topology } = platform.bus;
    const seq = new Array(NODES).fill(0);
    for (let tick = 0; publishing; tick++) {
      for (let i = 0; i < NODES; i++) {
        // Flapping nodes go silent for 3 s out of every 5 s.
        if (flapping && i < FLAPPING && tick % 25 >= 10) continue;
        const hb: Heartbeat = {
          nodeId: `crash-${i}`,
          seq: ++seq[i],
          sentAt: new Date().toISOString(),
          hostname: `crash-host-${i}`,
          agentVersion: 'test',
          uptimeSeconds: tick / 5,
          intervalMs: 200,
          labels: { role: i < FLAPPING ? 'flapping' : 'steady' },
        };
        await js.publish(topology.subjects.heartbeat(hb.nodeId), Buffer.from(JSON.stringify(hb)), {
          msgID: `hb:${hb.nodeId}:${hb.seq}`,
        });
      }
      await sleep(200);
    }
  }

  async function allNodeEvents(): Promise<(NodeEvent & { seq: number })[]> {
    const { js, jsm, topology } = platform.bus;
    const info = await jsm.streams.info(topology.streams.events);
    if (info.state.messages === 0) return [];
    const consumer = await js.consumers.get(topology.streams.events, { deliver_policy: DeliverPolicy.All });
    const out: (NodeEvent & { seq: number })[] = [];
    const messages = await consumer.consume();
    for await (const m of messages) {
      out.push({ ...nodeEvents.read(m.json()), seq: m.seq });
      if (m.seq >= info.state.last_seq) break;
    }
    await messages.close();
    return out;
  }

  it('loses no event and applies none twice', async () => {
    let registry = await platform.startRegistry();
    const flow = heartbeats();
    // Every flapping node goes offline once before the first kill, so the assertion on that
    // below does not depend on where the kills happen to fall in the flapping cycle.
    await eventually(
      async () => {
        const offline = new Set(
          (await allNodeEvents()).filter((e) => e.type === 'node.offline').map((e) => e.data.nodeId),
        );
        return Array.from({ length: FLAPPING }, (_, i) => `crash-${i}`).every((id) => offline.has(id));
      },
      { timeoutMs: 20_000, what: 'every flapping node to go offline once' },
    );
    for (let round = 0; round < 3; round++) {
      registry.kill('SIGKILL');
      await registry.waitExit();
      await sleep(1500);
      registry = await platform.startRegistry();
      await sleep(2500);
    }
    flapping = false;
    await sleep(3000);
    publishing = false;
    await flow;

    const { jsm, topology } = platform.bus;
    await eventually(
      async () => {
        const c = await jsm.consumers.info(topology.streams.telemetry, topology.consumers.registryHeartbeats);
        return c.num_pending === 0 && c.num_ack_pending === 0;
      },
      // Heartbeats the killed process held are redelivered after the consumer's 10 s ack wait.
      { timeoutMs: 25_000, what: 'every heartbeat consumed and acked' },
    );

    const pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
    try {
      const events = await allNodeEvents();
      const lastSeq = events[events.length - 1].seq;
      await eventually(
        async () => {
          const r = await pg.query(
            `SELECT last_seq FROM registry.projection_checkpoints WHERE projection = 'registry-nodes'`,
          );
          return Number(r.rows[0]?.last_seq) === lastSeq;
        },
        { what: 'the projection to reach the end of the stream' },
      );

      const byNode = new Map<string, (NodeEvent & { seq: number })[]>();
      for (const e of events) byNode.set(e.data.nodeId, [...(byNode.get(e.data.nodeId) ?? []), e]);
      expect(byNode.size).toBe(NODES);
      for (const [, list] of byNode) {
        const types = list.map((e) => e.type);
        expect(types[0]).toBe('node.registered');
        expect(types.filter((t) => t === 'node.registered')).toHaveLength(1);
        for (let i = 2; i < types.length; i++) expect(types[i]).not.toBe(types[i - 1]);
      }
      // The flow really moved presence: every flapping node went offline and came back at least once.
      for (let i = 0; i < FLAPPING; i++) {
        expect(byNode.get(`crash-${i}`)!.filter((e) => e.type === 'node.offline').length).toBeGreaterThanOrEqual(1);
      }

      const rows = (await pg.query('SELECT id, version, last_event_seq, status FROM registry.nodes ORDER BY id')).rows;
      expect(rows).toHaveLength(NODES);
      for (const row of rows) {
        const list = byNode.get(row.id)!;
        expect({ id: row.id, version: row.version, last: Number(row.last_event_seq) }).toEqual({
          id: row.id,
          version: list.length,
          last: list[list.length - 1].seq,
        });
      }
      // Heartbeats have stopped by now, so nodes may already be timing out: what must hold is
      // that each row's status is the one its last presence event says.
      for (const row of rows) {
        const presence = byNode.get(row.id)!.filter((e) => e.type === 'node.online' || e.type === 'node.offline');
        expect({ id: row.id, status: row.status }).toEqual({
          id: row.id,
          status: presence[presence.length - 1].type === 'node.online' ? 'online' : 'offline',
        });
      }

      // The rebuild is compared with a read model at rest: every node timed out (no heartbeat
      // comes any more, so no presence event follows) and the projection at the stream's end.
      await eventually(
        async () => {
          const tail = await allNodeEvents();
          const r = await pg.query(
            `SELECT (SELECT last_seq FROM registry.projection_checkpoints WHERE projection = 'registry-nodes') AS last_seq,
                    (SELECT count(*) FROM registry.nodes WHERE status <> 'offline') AS not_offline`,
          );
          return Number(r.rows[0].not_offline) === 0 && Number(r.rows[0].last_seq) === tail[tail.length - 1].seq;
        },
        { timeoutMs: 20_000, what: 'every node offline and the projection at the end of the stream' },
      );
      const before = (await pg.query('SELECT * FROM registry.nodes ORDER BY id')).rows;
      await requestQuery(
        platform.bus.nc,
        platform.bus.topology,
        registryQueries.rebuildProjection,
        { projection: 'registry-nodes' },
        30_000,
      );
      expect((await pg.query('SELECT * FROM registry.nodes ORDER BY id')).rows).toEqual(before);
    } finally {
      await pg.end();
    }
  });
});
