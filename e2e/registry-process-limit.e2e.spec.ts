import {
  agentEventMessage,
  DlqHeaders,
  type Heartbeat,
  heartbeatMessage,
  type SupervisorEvent,
} from '@vigil/contracts';
import { eventually } from '@vigil/test-support';
import { Client } from 'pg';
import { TestPlatform } from './platform';

jest.setTimeout(60_000);

const LIMIT = 8;
const FLOOD = 40;

/**
 * VIGIL_MAX_SUPERVISED_PROCESSES: a node's supervisor events naming ever new processes keep at
 * most that many rows; the rest are parked as over_limit and counted, while the processes it
 * has keep updating.
 */
describe('registry-svc bounds the supervised processes kept per node', () => {
  const platform = new TestPlatform({ VIGIL_MAX_SUPERVISED_PROCESSES: String(LIMIT) });
  let pg: Client;

  beforeAll(async () => {
    await platform.setup();
    await platform.startRegistry();
    pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg.end();
    await platform.teardown();
  });

  const register = async (nodeId: string) => {
    const hb: Heartbeat = {
      nodeId,
      seq: 1,
      sentAt: new Date().toISOString(),
      hostname: `host-${nodeId}`,
      agentVersion: 'test',
      uptimeSeconds: 1,
      intervalMs: 1000,
      labels: {},
    };
    const m = heartbeatMessage(platform.bus.topology, hb, 'boot');
    await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId });
  };
  const publish = async (e: SupervisorEvent) => {
    const m = agentEventMessage(platform.bus.topology, e);
    await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId });
  };
  const t = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s)).toISOString();
  const rows = async (nodeId: string) =>
    (
      await pg.query<{ process: string; state: string; pid: number | null }>(
        'SELECT process, state, pid FROM registry.supervised_processes WHERE node_id = $1 ORDER BY process',
        [nodeId],
      )
    ).rows;
  const refusedCount = async () => {
    const page = await (await fetch(platform.url('registry-svc', '/metrics'))).text();
    const line = page.split('\n').find((l) => l.startsWith('vigil_registry_supervised_processes_refused_total'));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('parks events naming new processes past the limit, counted; known processes still update', async () => {
    await register('flooder');
    await register('quiet');
    await eventually(
      async () =>
        (await pg.query('SELECT 1 FROM registry.nodes WHERE id = ANY($1)', [['flooder', 'quiet']])).rowCount === 2,
      { what: 'both nodes registered' },
    );

    const name = (i: number) => `proc-${String(i).padStart(3, '0')}`;
    for (let i = 0; i < FLOOD; i++)
      await publish({ nodeId: 'flooder', process: name(i), type: 'started', at: t(0), pid: i + 1 });
    // One the node has exits in the middle of the flood; another node's process is new to it.
    await publish({ nodeId: 'flooder', process: name(2), type: 'exited', at: t(5), exitCode: 1 });
    await publish({ nodeId: 'quiet', process: 'node_exporter', type: 'started', at: t(0), pid: 7 });

    const { jsm, topology } = platform.bus;
    await eventually(async () => (await jsm.streams.info(topology.streams.dlq)).state.messages >= FLOOD - LIMIT, {
      what: 'the flood parked',
    });
    await eventually(async () => (await rows('quiet')).length === 1, { what: "quiet's process recorded" });
    await eventually(async () => (await rows('flooder')).find((r) => r.process === name(2))?.state === 'exited', {
      what: `${name(2)} exited`,
    });
    expect((await rows('flooder')).map((r) => r.process)).toEqual(Array.from({ length: LIMIT }, (_, i) => name(i)));
    expect((await jsm.streams.info(topology.streams.dlq)).state.messages).toBe(FLOOD - LIMIT);
    const parked = await jsm.streams.getMessage(topology.streams.dlq, { seq: 1 });
    expect(parked!.header.get(DlqHeaders.reason)).toBe(
      `over_limit: supervised_processes_per_node: node flooder already has ${LIMIT} supervised processes; "${name(LIMIT)}" is not one of them (VIGIL_MAX_SUPERVISED_PROCESSES)`,
    );
    expect(await refusedCount()).toBe(FLOOD - LIMIT);

    // After the flood a known process still takes its events.
    await publish({ nodeId: 'flooder', process: name(5), type: 'restarted', at: t(9), pid: 500 });
    await eventually(async () => (await rows('flooder')).find((r) => r.process === name(5))?.pid === 500, {
      what: `${name(5)} restarted`,
    });
    expect(await refusedCount()).toBe(FLOOD - LIMIT);
  });
});
