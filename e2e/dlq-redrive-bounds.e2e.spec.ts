// npm test may run this suite beside another one: the bounds it asserts are not times (tools/test/run-tests.js).
import { type DlqBatchReply, type Heartbeat, heartbeatMessage } from '@vigil/contracts';
import { eventually } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(60_000);

const PARKED = 300;

/**
 * A redrive holds database connections while it runs: registry-svc runs one at a time, a second
 * asked meanwhile is answered busy (the gateway: 503 with Retry-After), and the service's own
 * requests are answered while the redrive runs.
 */
describe('DLQ redrive: one at a time per service', () => {
  const platform = new TestPlatform();

  beforeAll(async () => {
    await platform.setup();
    await platform.startRegistry();
    await platform.startGateway();
  });
  afterAll(() => platform.teardown());

  const redrive = async () => {
    const r = await platform.gatewayFetch('/api/v1/dlq/registry-svc/redrive', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ all: true }),
    });
    return {
      status: r.status,
      retryAfter: r.headers.get('retry-after'),
      body: (await r.json()) as unknown,
      at: Date.now(),
    };
  };

  it('answers a concurrent redrive 503 with Retry-After, and normal requests meanwhile', async () => {
    const hb: Heartbeat = {
      nodeId: 'steady',
      seq: 1,
      sentAt: new Date().toISOString(),
      hostname: 'steady-host',
      agentVersion: 'test',
      uptimeSeconds: 1,
      intervalMs: 1000,
      labels: {},
    };
    const m = heartbeatMessage(platform.bus.topology, hb, 'boot');
    await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId });
    await eventually(async () => (await platform.getJson('gateway', '/api/v1/nodes/steady')).status === 200, {
      what: 'steady registered',
    });
    // Heartbeats that are not heartbeats: parked, and parked again by every redrive.
    const { js, jsm, topology } = platform.bus;
    for (let i = 0; i < PARKED; i++) await js.publish(topology.subjects.heartbeat(`bad-${i}`), '{"nodeId":"bad"}');
    await eventually(async () => (await jsm.streams.info(topology.streams.dlq)).state.messages === PARKED, {
      what: `${PARKED} parked`,
    });

    const started = Date.now();
    const both = Promise.all([redrive(), redrive()]);
    // While the redrive runs, registry-svc answers its queries.
    const node = await platform.getJson<{ id: string }>('gateway', '/api/v1/nodes/steady');
    const answeredAt = Date.now();
    const [a, b] = await both;
    const [ran, busy] = a.status === 200 ? [a, b] : [b, a];
    expect([ran.status, busy.status]).toEqual([200, 503]);
    expect(busy.retryAfter).toBe('1');
    expect(busy.body).toMatchObject({
      detail: expect.stringMatching(/a redrive is running in this registry-svc process/),
    });
    const reply = ran.body as DlqBatchReply;
    expect(reply.results.length + (reply.remaining ?? 0)).toBe(PARKED);
    expect(reply.results.every((r) => r.outcome === 'reparked')).toBe(true);
    expect(node.status).toBe(200);
    expect(answeredAt).toBeLessThan(ran.at);
    console.log(
      `redrive of ${reply.results.length} (remaining ${reply.remaining ?? 0}) answered in ${ran.at - started} ms; busy in ${busy.at - started} ms; a node query in ${answeredAt - started} ms`,
    );

    // Done, the next redrive runs.
    expect((await redrive()).status).toBe(200);
  });
});
