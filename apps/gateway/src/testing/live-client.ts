import type { LiveServerFrame } from '@vigil/contracts';
import { WebSocket } from 'ws';

type FrameOf<T extends LiveServerFrame['type']> = Extract<LiveServerFrame, { type: T }>;

/** A test's client of the live API (the `ws` package), keeping every frame it received. */
export class LiveClient {
  readonly frames: LiveServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => void this.frames.push(JSON.parse(String(data)) as LiveServerFrame));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame of `type` for which `match` holds, waited for. */
  frame<T extends LiveServerFrame['type']>(
    type: T,
    match: (f: FrameOf<T>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<FrameOf<T>> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const look = () => {
        const found = this.frames.find((f): f is FrameOf<T> => f.type === type && match(f as FrameOf<T>));
        if (found) return resolve(found);
        if (Date.now() > deadline)
          return reject(new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`));
        setTimeout(look, 20);
      };
      look();
    });
  }

  /** Every `event` frame of subscription `id` so far. */
  events(id: string): FrameOf<'event'>[] {
    return this.frames.filter((f): f is FrameOf<'event'> => f.type === 'event' && f.id === id);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

/** The outcome of an upgrade to `<base>/ws`: the open client (101), or the HTTP answer that refused it. */
export function connectLive(
  base: string,
  headers: Record<string, string> = {},
  origin?: string,
  path = '/ws',
): Promise<{ status: number; client?: LiveClient; body?: string; headers?: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`, { headers, ...(origin ? { origin } : {}) });
    const client = new LiveClient(ws);
    ws.once('open', () => resolve({ status: 101, client }));
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        req.destroy();
      });
    });
    ws.on('error', reject);
  });
}

/** An open client authenticated with `token` as the bearer; fails unless the upgrade succeeds. */
export async function openLive(base: string, token: string): Promise<LiveClient> {
  const { status, client, body } = await connectLive(base, { authorization: `Bearer ${token}` });
  if (!client) throw new Error(`upgrade answered ${status}: ${body}`);
  await client.frame('welcome');
  return client;
}
