import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  /** Path and query exactly as sent (`/send?key=...`). */
  rawUrl: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** When the whole request had arrived (Date.now()). */
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Answers one request; `'hang'` never answers (for timeouts). */
export type Responder = (req: CapturedRequest) => Reply | 'hang';

/** A real HTTP server on 127.0.0.1 (a free port the OS picks) that keeps every request and answers as told. */
export class CaptureServer {
  readonly requests: CapturedRequest[] = [];
  private responder: Responder = () => ({ status: 200 });

  private constructor(private readonly server: Server) {}

  static async start(): Promise<CaptureServer> {
    const server = createServer();
    const capture = new CaptureServer(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawUrl = req.url ?? '/';
        const parsed = new URL(rawUrl, 'http://capture');
        const captured: CapturedRequest = {
          method: req.method ?? '',
          rawUrl,
          path: parsed.pathname,
          query: parsed.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        capture.requests.push(captured);
        const reply = capture.responder(captured);
        if (reply === 'hang') return;
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return capture;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port><path>`. */
  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  reply(reply: Reply | Responder): void {
    this.responder = typeof reply === 'function' ? reply : () => reply;
  }

  get last(): CapturedRequest {
    const req = this.requests.at(-1);
    if (!req) throw new Error('no request captured');
    return req;
  }

  reset(): void {
    this.requests.length = 0;
    this.responder = () => ({ status: 200 });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A URL on 127.0.0.1 where nothing listens: a server was there and is gone. */
export async function refusedUrl(path = '/'): Promise<string> {
  const server = await CaptureServer.start();
  const url = server.url(path);
  await server.close();
  return url;
}

/** A reply that quotes everything the request carried (URL with keys, headers, body), as a careless server might. */
export function echoReply(status: number, wrap: (echo: string) => string = (echo) => echo): Responder {
  return (req) => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: wrap(`${req.method} ${req.rawUrl} ${JSON.stringify(req.headers)} ${req.body}`),
  });
}
