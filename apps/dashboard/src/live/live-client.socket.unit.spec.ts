import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { LiveClient, type LiveStatus } from './live-client';

const WELCOME = {
  type: 'welcome',
  principal: { kind: 'user', id: 'admin', role: 'admin' },
  limits: { subscriptions: 32, sample_nodes: 50, sample_metrics: 100, ping_ms: 15_000 },
};

/**
 * The client over a real WebSocket (Node's own, as a browser's) against a `ws` server that speaks
 * the live API's frames: subscribe, an event, the server dropping the socket, and the client
 * coming back with `since` = the cursor it saw.
 */
describe('LiveClient over a real socket', () => {
  let server: WebSocketServer;
  const frames: Record<string, unknown>[][] = [];
  const sockets: ServerSocket[] = [];

  beforeAll(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => {
      const seen: Record<string, unknown>[] = [];
      frames.push(seen);
      sockets.push(socket);
      socket.send(JSON.stringify(WELCOME));
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Record<string, unknown>;
        seen.push(frame);
        if (frame.op === 'subscribe' && frame.topic === 'fleet' && frame.since === undefined) {
          socket.send(JSON.stringify({ type: 'subscribed', id: frame.id }));
          socket.send(
            JSON.stringify({
              type: 'event',
              id: frame.id,
              cursor: '5',
              event: { type: 'node.online', subject: 'node.a', occurredAt: 'now', actor: 'x', data: { nodeId: 'a' } },
            }),
          );
        }
      });
    });
  });
  afterAll(async () => {
    for (const s of sockets) s.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('subscribes, takes events, and resumes from the last cursor after the server drops it', async () => {
    const { port } = server.address() as AddressInfo;
    const statuses: LiveStatus[] = [];
    const events: string[] = [];
    const client = new LiveClient({
      url: `ws://127.0.0.1:${port}/ws`,
      initialBackoffMs: 50,
      onStatus: (s) => statuses.push(s),
    });
    client.subscribeEvents(
      'fleet',
      (e, cursor) => events.push(`${e.type}@${cursor}`),
      () => undefined,
    );
    client.start();
    await until(() => events.length === 1, 'the first event');
    expect(events).toEqual(['node.online@5']);
    expect(frames[0]).toEqual([{ op: 'subscribe', id: 'fleet-1', topic: 'fleet' }]);

    sockets[0].terminate();
    await until(() => frames.length === 2 && frames[1].length === 1, 'the resubscription');
    expect(frames[1]).toEqual([{ op: 'subscribe', id: 'fleet-1', topic: 'fleet', since: '5' }]);
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    client.stop();
  });
});
