import { type Heartbeat, type LiveServerFrame } from '@vigil/contracts';
import { eventually, sleep } from '@vigil/test-support';
import { WebSocket } from 'ws';
import { TestPlatform } from './platform';

jest.setTimeout(180_000);

type EventFrame = Extract<LiveServerFrame, { type: 'event' }>;

/**
 * The live API across a NATS restart: the gateway's fleet feed (one ordered JetStream consumer
 * per replica) is cut when the server goes away, and the server comes back first without
 * JetStream, then with it (as nats-restart.e2e.spec.ts does for metrics-svc). A /ws client opened
 * before the restart keeps its socket and receives the fleet deltas registry-svc appends after it,
 * each once.
 */
describe('live API after a NATS restart', () => {
  const platform = new TestPlatform();
  let seq = 0;

  beforeAll(async () => {
    await platform.setup();
    await Promise.all([platform.startRegistry(), platform.startGateway()]);
  });
  afterAll(() => platform.teardown());

  /** One heartbeat of `nodeId`, as its agent sends it (its first registers the node). */
  const heartbeat = (nodeId: string) => {
    const hb: Heartbeat = {
      nodeId,
      seq: ++seq,
      sentAt: new Date().toISOString(),
      hostname: nodeId,
      agentVersion: 'e2e-1.0',
      uptimeSeconds: seq,
      intervalMs: 1000,
      labels: {},
    };
    return platform.bus.js.publish(platform.bus.topology.subjects.heartbeat(nodeId), JSON.stringify(hb));
  };

  it('keeps the socket and delivers fleet deltas once the gateway is connected again', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${platform.ports.gateway}/ws`, {
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    const events: EventFrame[] = [];
    let subscribed = false;
    let closed: number | undefined;
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as LiveServerFrame;
      if (frame.type === 'event') events.push(frame);
      if (frame.type === 'subscribed') subscribed = true;
    });
    ws.on('close', (code) => (closed = code));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ op: 'subscribe', id: 'fleet', topic: 'fleet' }));
    await eventually(() => subscribed, { what: 'the fleet subscription' });
    const registered = (nodeId: string) =>
      events.filter((e) => e.event.type === 'node.registered' && e.event.subject === `node.${nodeId}`);

    await heartbeat('before-restart');
    await eventually(() => registered('before-restart').length === 1, {
      timeoutMs: 20_000,
      what: 'a fleet delta before the restart',
    });

    await platform.nats.kill();
    await platform.nats.start({ jetstream: false });
    await sleep(4000);
    await platform.nats.kill();
    await platform.nats.start();
    const back = Date.now();
    // Heartbeats until one is stored (the test's own connection reconnects too) and its delta arrives.
    let stored: number | undefined;
    await eventually(
      async () => {
        await heartbeat('after-restart').then(
          () => (stored ??= Date.now()),
          () => undefined,
        );
        return registered('after-restart').length > 0;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'a fleet delta after the restart' },
    );
    const tookMs = Date.now() - back;
    console.log(
      `NATS back with JetStream; a heartbeat stored after ${(stored ?? back) - back} ms, its node.registered on the socket ${tookMs} ms after NATS was back (through registry-svc's reader and the gateway's feed)`,
    );

    await sleep(1000);
    expect(closed).toBeUndefined();
    expect(registered('before-restart')).toHaveLength(1);
    expect(registered('after-restart')).toHaveLength(1);
    // In stream order, each once.
    const cursors = events.map((e) => Number(e.cursor));
    expect(cursors).toEqual([...new Set(cursors)].sort((a, b) => a - b));
    ws.close();
  });
});
