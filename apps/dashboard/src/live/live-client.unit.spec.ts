import { LiveClient, type LiveStatus, liveUrl, type SocketLike, type Timers } from './live-client';

/** A socket the test drives: what the client sent, and the server's side as methods. */
class FakeSocket implements SocketLike {
  sent: Record<string, unknown>[] = [];
  closed?: { code?: number; reason?: string };
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
  }
  server(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }
  welcome(pingMs = 15_000): void {
    this.server({
      type: 'welcome',
      principal: { kind: 'user', id: 'admin', role: 'admin' },
      limits: { subscriptions: 32, sample_nodes: 50, sample_metrics: 100, ping_ms: pingMs },
    });
  }
  drop(code = 1006): void {
    this.onerror?.({});
    this.onclose?.({ code, reason: '' });
  }
}

/** Timers on a clock the test moves. */
class FakeTimers implements Timers {
  time = 1_000_000;
  private queue: { at: number; fn: () => void; handle: number }[] = [];
  private next = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    const handle = ++this.next;
    this.queue.push({ at: this.time + ms, fn, handle });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.queue = this.queue.filter((t) => t.handle !== handle);
  }
  now(): number {
    return this.time;
  }
  /** Pending delays, soonest first. */
  delays(): number[] {
    return this.queue.map((t) => t.at - this.time).sort((a, b) => a - b);
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const due = this.queue[0];
      if (!due || due.at > until) break;
      this.queue.shift();
      this.time = due.at;
      due.fn();
    }
    this.time = until;
  }
}

function setup(options: { renewSession?: () => Promise<boolean> } = {}) {
  const sockets: FakeSocket[] = [];
  const timers = new FakeTimers();
  const statuses: LiveStatus[] = [];
  const client = new LiveClient({
    url: 'ws://console.test/ws',
    connect: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    timers,
    random: () => 1,
    initialBackoffMs: 500,
    maxBackoffMs: 8000,
    onStatus: (s) => statuses.push(s),
    ...options,
  });
  const last = () => sockets[sockets.length - 1];
  return { client, sockets, timers, statuses, last };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('LiveClient', () => {
  it('names the live API on the page’s origin', () => {
    expect(liveUrl({ protocol: 'https:', host: 'vigil.example:8443' })).toBe('wss://vigil.example:8443/ws');
    expect(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws');
  });

  it('subscribes after the welcome, then resubscribes from the last cursor on a new socket', () => {
    const { client, sockets, last, timers, statuses } = setup();
    const events: string[] = [];
    client.subscribeEvents(
      'fleet',
      (e, cursor) => events.push(`${e.type}@${cursor}`),
      () => undefined,
    );
    client.subscribeSamples(['web-1'], ['node_cpu_usage_percent'], () => undefined);
    client.start();
    expect(last().sent).toEqual([]);
    last().welcome();
    expect(last().sent).toEqual([
      { op: 'subscribe', id: 'fleet-1', topic: 'fleet' },
      { op: 'subscribe', id: 'samples-2', topic: 'samples', nodes: ['web-1'], metrics: ['node_cpu_usage_percent'] },
    ]);
    const event = { type: 'node.online', subject: 'node.web-1', occurredAt: '2026-12-07T20:00:00Z', actor: 'x' };
    last().server({ type: 'event', id: 'fleet-1', cursor: '41', event: { ...event, data: {} } });
    last().server({ type: 'event', id: 'fleet-1', cursor: '42', event: { ...event, type: 'node.offline', data: {} } });
    expect(events).toEqual(['node.online@41', 'node.offline@42']);

    last().drop();
    expect(statuses.at(-1)).toBe('reconnecting');
    timers.advance(500);
    expect(sockets).toHaveLength(2);
    last().welcome();
    expect(statuses.at(-1)).toBe('open');
    expect(last().sent[0]).toEqual({ op: 'subscribe', id: 'fleet-1', topic: 'fleet', since: '42' });
  });

  it('backs off exponentially up to the ceiling while the server stays away, and starts over after a welcome', () => {
    const { client, last, timers } = setup();
    client.start();
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      last().drop();
      waits.push(timers.delays()[0]);
      timers.advance(waits[i]);
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    last().welcome();
    last().drop();
    expect(timers.delays()[0]).toBe(500);
  });

  it('pings at the announced interval and replaces a socket that stopped answering', () => {
    const { client, sockets, last, timers } = setup();
    client.start();
    last().welcome(2000);
    timers.advance(2000);
    expect(last().sent.at(-1)).toEqual({ op: 'ping', t: timers.now() });
    last().server({ type: 'pong', t: timers.now() });
    timers.advance(2000);
    timers.advance(2000);
    // Heard last at the first ping's pong; two intervals later it is given up.
    timers.advance(2000);
    expect(sockets[0].closed?.code).toBe(4000);
    timers.advance(500);
    expect(sockets).toHaveLength(2);
  });

  it('on reset, reloads through the subscriber, then subscribes again without a cursor', async () => {
    const { client, last } = setup();
    let reloaded = 0;
    client.subscribeEvents(
      'fleet',
      () => undefined,
      async () => {
        reloaded++;
      },
    );
    client.start();
    last().welcome();
    const event = { type: 'node.online', subject: 'node.a', occurredAt: 'now', actor: 'x', data: {} };
    last().server({ type: 'event', id: 'fleet-1', cursor: '7', event });
    last().sent = [];
    last().server({ type: 'reset', id: 'fleet-1', reason: 'cursor too old' });
    await flush();
    expect(reloaded).toBe(1);
    expect(last().sent).toEqual([
      { op: 'unsubscribe', id: 'fleet-1' },
      { op: 'subscribe', id: 'fleet-1', topic: 'fleet' },
    ]);
  });

  it('drops frames the contract does not define, and unsubscribes', () => {
    const { client, last } = setup();
    const got: number[] = [];
    const off = client.subscribeSamples(['a'], undefined, (f) => got.push(f.samples.length));
    client.start();
    last().welcome();
    last().server('not json');
    last().server({ type: 'samples', id: 'samples-1', nodeId: 'a', timestamp: 1, samples: [{ name: 'x' }] });
    last().server({ type: 'samples', id: 'samples-1', nodeId: 'a', timestamp: 'soon', samples: [] });
    last().server({ type: 'unknown' });
    last().server({
      type: 'samples',
      id: 'samples-1',
      nodeId: 'a',
      timestamp: 1,
      samples: [{ name: 'x', labels: {}, value: 1 }],
    });
    expect(got).toEqual([1]);
    off();
    expect(last().sent.at(-1)).toEqual({ op: 'unsubscribe', id: 'samples-1' });
    last().server({
      type: 'samples',
      id: 'samples-1',
      nodeId: 'a',
      timestamp: 2,
      samples: [{ name: 'x', labels: {}, value: 1 }],
    });
    expect(got).toEqual([1]);
  });

  it('asks for a renewed session when closed as unauthorized, and stops when it cannot be renewed', async () => {
    let renew = true;
    const { client, sockets, last, timers, statuses } = setup({ renewSession: async () => renew });
    client.start();
    last().welcome();
    last().drop(4001);
    await flush();
    timers.advance(500);
    expect(sockets).toHaveLength(2);
    last().welcome();
    renew = false;
    last().drop(4001);
    await flush();
    timers.advance(60_000);
    expect(sockets).toHaveLength(2);
    expect(statuses.at(-1)).toBe('stopped');
  });

  it('stops for good when forbidden, and when stopped', () => {
    const { client, sockets, last, timers } = setup();
    client.start();
    last().drop(4003);
    timers.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(client.status).toBe('stopped');
    client.start();
    last().welcome();
    client.stop();
    expect(last().closed?.code).toBe(1000);
    timers.advance(60_000);
    expect(sockets).toHaveLength(2);
  });
});
