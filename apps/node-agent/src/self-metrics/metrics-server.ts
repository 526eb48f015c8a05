import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AgentConfig } from '@vigil/contracts';
import { livenessReport } from '@vigil/telemetry';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export type MetricsAddress = AgentConfig['metrics'];

const TEXT = 'text/plain; charset=utf-8';

/**
 * Serves GET /metrics (the registry in the Prometheus text format) and GET /health. It never
 * stops the agent: an address it cannot listen on is logged, and the agent runs without it.
 */
export class MetricsServer {
  private server?: Server;
  private address?: MetricsAddress;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly registry: Registry,
    private readonly logger: Logger,
  ) {}

  /** Listens on `address`, moving when it differs from the current one; port 0 turns the server off. */
  listen(address: MetricsAddress): Promise<void> {
    this.queue = this.queue.then(() => this.move(address));
    return this.queue;
  }

  close(): Promise<void> {
    this.queue = this.queue.then(() => this.move(undefined));
    return this.queue;
  }

  private async move(address: MetricsAddress | undefined): Promise<void> {
    if (address && this.address?.host === address.host && this.address.port === address.port) return;
    const previous = this.server;
    this.server = undefined;
    this.address = undefined;
    if (previous) await new Promise((resolve) => previous.close(resolve));
    if (!address || address.port === 0) return;
    const server = createServer((req, res) => void this.handle(req, res));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(address.port, address.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      this.logger.error(
        { err: e, host: address.host, port: address.port },
        'cannot serve /metrics; running without it',
      );
      return;
    }
    this.server = server;
    this.address = address;
    this.logger.info({ host: address.host, port: address.port }, 'serving /metrics');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    if (path !== '/metrics' && path !== '/health') return reply(res, 404, TEXT, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return reply(res, 405, TEXT, 'method not allowed\n');
    }
    if (path === '/health') return reply(res, 200, 'application/json', JSON.stringify(livenessReport()));
    try {
      reply(res, 200, this.registry.contentType, await this.registry.metrics());
    } catch (e) {
      this.logger.error({ err: e }, 'could not collect metrics');
      reply(res, 500, TEXT, 'could not collect metrics\n');
    }
  }
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
