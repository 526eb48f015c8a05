import {
  agentEventMessage,
  DlqHeaders,
  type Heartbeat,
  heartbeatMessage,
  type NodeProcessesReply,
  type SupervisorEvent,
} from '@vigil/contracts';
import { eventually } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(60_000);

/** registry-svc keeps what each node's supervised processes last did, served by the gateway. */
describe('supervised processes of a node', () => {
  const platform = new TestPlatform();

  beforeAll(async () => {
    await platform.setup();
    await platform.startRegistry();
    await platform.startGateway();
  });
  afterAll(() => platform.teardown());

  async function publish(e: SupervisorEvent, msgId?: string): Promise<void> {
    const m = agentEventMessage(platform.bus.topology, e);
    await platform.bus.js.publish(m.subject, m.data, { msgID: msgId ?? m.msgId });
  }

  it('shows each process as its latest event left it, counting restarts once, ignoring late events', async () => {
    const hb: Heartbeat = {
      nodeId: 'sup1',
      seq: 1,
      sentAt: new Date().toISOString(),
      hostname: 'sup-host',
      agentVersion: 'test',
      uptimeSeconds: 1,
      intervalMs: 1000,
      labels: {},
    };
    const m = heartbeatMessage(platform.bus.topology, hb, 'boot');
    await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId });
    await eventually(async () => (await platform.getJson('gateway', '/api/v1/nodes/sup1')).status === 200, {
      what: 'sup1 registered',
    });

    const t = (s: number) => new Date(Date.UTC(2026, 10, 22, 12, 0, s)).toISOString();
    await publish({ nodeId: 'sup1', process: 'node_exporter', type: 'started', at: t(0), pid: 100 });
    await publish({ nodeId: 'sup1', process: 'node_exporter', type: 'unhealthy', at: t(10), reason: 'http 500' });
    await publish({
      nodeId: 'sup1',
      process: 'node_exporter',
      type: 'restarted',
      at: t(11),
      pid: 101,
      reason: 'unhealthy',
    });
    // The same event again (a replay under another message id) must not count twice.
    await publish(
      { nodeId: 'sup1', process: 'node_exporter', type: 'restarted', at: t(11), pid: 101, reason: 'unhealthy' },
      'replayed-1',
    );
    // A late event older than what is held changes nothing.
    await publish({ nodeId: 'sup1', process: 'node_exporter', type: 'exited', at: t(5), exitCode: 1 });
    await publish({ nodeId: 'sup1', process: 'filebeat', type: 'started', at: t(0), pid: 200 });
    await publish({ nodeId: 'sup1', process: 'filebeat', type: 'given_up', at: t(30), reason: 'exited 5 times' });
    // Invalid: parked in the DLQ, the worker goes on.
    await platform.bus.js.publish(
      platform.bus.topology.subjects.agentEvents('sup1'),
      Buffer.from('{"nodeId":"sup1","process":"x"}'),
    );
    await publish({ nodeId: 'sup1', process: 'telegraf', type: 'exited', at: t(40), signal: 'SIGKILL' });

    const body = await eventually(
      async () => {
        const r = await platform.getJson<NodeProcessesReply>('gateway', '/api/v1/nodes/sup1/processes');
        return r.status === 200 && r.body.items.length === 3 ? r.body : undefined;
      },
      { what: 'three processes' },
    );
    expect(body.items).toEqual([
      {
        process: 'filebeat',
        state: 'given_up',
        lastEvent: 'given_up',
        lastEventAt: t(30),
        pid: null,
        exitCode: null,
        signal: null,
        reason: 'exited 5 times',
        restarts: 0,
      },
      {
        process: 'node_exporter',
        state: 'running',
        lastEvent: 'restarted',
        lastEventAt: t(11),
        pid: 101,
        exitCode: null,
        signal: null,
        reason: 'unhealthy',
        restarts: 1,
      },
      {
        process: 'telegraf',
        state: 'exited',
        lastEvent: 'exited',
        lastEventAt: t(40),
        pid: null,
        exitCode: null,
        signal: 'SIGKILL',
        reason: null,
        restarts: 0,
      },
    ]);
    const parked = await platform.bus.jsm.streams.getMessage(platform.bus.topology.streams.dlq, {
      last_by_subj: platform.bus.topology.subjects.dlq('registry-svc'),
    });
    expect(parked?.header.get(DlqHeaders.reason)).toMatch(/^invalid_payload: /);
    expect((await platform.getJson('gateway', '/api/v1/nodes/nobody/processes')).status).toBe(404);
  });
});
