import type { AddressInfo } from 'node:net';
import { LIVE_CLOSE, LIVE_LIMITS } from '@vigil/contracts';
import pino from 'pino';
import { Registry } from 'prom-client';
import { WebSocket, WebSocketServer } from 'ws';
import { LiveClient } from '../testing/live-client';
import { createLiveMetrics, type LiveCloseReason } from './live.metrics';
import { type LiveDeps, LiveSocket } from './live-socket';
import type { NodeScope } from './node-scope';
import type { SampleFeed } from './sample-feed';

/** One LiveSocket on a real WebSocket pair (loopback), its feeds stubbed: pings, bounds, frames. */
describe('LiveSocket', () => {
  let wss: WebSocketServer;
  let url: string;
  const closed: { reason: LiveCloseReason; code: number }[] = [];
  const followed = new Map<string, number>();
  const samples = {
    add: (node: string) => followed.set(node, (followed.get(node) ?? 0) + 1),
    remove: (node: string) => followed.set(node, (followed.get(node) ?? 0) - 1),
  } as unknown as SampleFeed;
  const deps: LiveDeps = {
    metrics: createLiveMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    pingMs: 1000,
    resumeLimit: 5,
    samples,
    nodeScope: {} as NodeScope,
    feed: () => Promise.reject(new Error('no feeds here')),
    replay: () => Promise.reject(new Error('no replays here')),
    closed: (_socket, reason, code) => void closed.push({ reason, code }),
  };
  const principal = { kind: 'user' as const, id: 'ann', role: 'viewer' as const, sessionId: 's1' };

  /** A connected pair: the server's LiveSocket and the client. */
  async function pair(): Promise<{ socket: LiveSocket; client: LiveClient }> {
    const accepted = new Promise<LiveSocket>((resolve) =>
      wss.once('connection', (ws) => resolve(new LiveSocket(ws, { principal }, deps))),
    );
    const client = new LiveClient(new WebSocket(url));
    await new Promise((r) => client.ws.once('open', r));
    return { socket: await accepted, client };
  }

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: LIVE_LIMITS.client_frame_bytes });
    await new Promise((r) => wss.once('listening', r));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => wss.close(r)));
  beforeEach(() => {
    closed.length = 0;
    followed.clear();
  });

  it('keeps a client that answers pings, and terminates one that left two unanswered', async () => {
    const { socket, client } = await pair();
    for (let i = 0; i < 4; i++) {
      socket.ping();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.pause();
    for (let i = 0; i < 3; i++) socket.ping();
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toEqual([{ reason: 'ping_timeout', code: 1006 }]);
    client.close();
  });

  it('closes a socket whose send queue passes its bound (4008) and lets go of its subscriptions', async () => {
    const { socket, client } = await pair();
    client.send({ op: 'subscribe', id: 's', topic: 'samples', nodes: ['a', 'b', 'a'] });
    await client.frame('subscribed');
    expect(Object.fromEntries(followed)).toEqual({ a: 1, b: 1 });
    client.ws.pause();
    const frame = JSON.stringify('x'.repeat(64 * 1024));
    let sent = 0;
    while (socket.sendText(frame, 'samples')) sent++;
    // What the kernel took, then at most send_queue_bytes held by the process.
    expect(sent).toBeLessThan(LIVE_LIMITS.send_queue_frames);
    expect(socket.closing).toBe(true);
    expect(Object.fromEntries(followed)).toEqual({ a: 0, b: 0 });
    client.ws.resume();
    expect((await client.closed).code).toBe(LIVE_CLOSE.slow_consumer);
    for (let i = 0; i < 50 && closed.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(closed).toEqual([{ reason: 'slow_consumer', code: LIVE_CLOSE.slow_consumer }]);
  });

  it('answers a frame it cannot take with an error naming the field, then goes on', async () => {
    const { client } = await pair();
    client.send({ op: 'unsubscribe', id: 'nope' });
    expect(await client.frame('error')).toEqual({
      type: 'error',
      id: 'nope',
      code: 'not_found',
      field: 'id',
      message: 'no subscription has this id',
    });
    client.send({ op: 'subscribe', id: 'f', topic: 'fleet' });
    expect(await client.frame('error', (f) => f.id === 'f')).toMatchObject({ code: 'unavailable' });
    client.ws.send(Buffer.from([1, 2, 3]));
    expect(await client.frame('error', (f) => f.message.includes('binary'))).toMatchObject({ code: 'bad_request' });
    client.send({ op: 'ping', t: 3 });
    expect(await client.frame('pong')).toEqual({ type: 'pong', t: 3 });
    client.close();
  });
});
