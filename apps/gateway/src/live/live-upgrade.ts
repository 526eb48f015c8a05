import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LIVE_LIMITS, RateLimitedError, UnauthenticatedError } from '@vigil/contracts';
import { InjectConfig, Observability, type ServiceConfig } from '@vigil/platform';
import type { Logger } from '@vigil/telemetry';
import { WebSocketServer } from 'ws';
import { Authenticator, presentedToken } from '../auth/authenticator';
import { actorOf } from '../auth/principal';
import type { GatewayEnv } from '../config';
import { RateLimiter } from '../http/rate-limiter';
import { LiveHub } from './live-hub';
import { type LiveRefusal, LiveMetrics } from './live.metrics';
import { forwardedClient, isLivePath, LIVE_PATH, originAllowed, type TrustProxyFn } from './upgrade-policy';

/** Retry-After of a 503 for a full gateway. */
const FULL_RETRY_AFTER_S = 5;

/**
 * `GET /ws`: the upgrade of the gateway's own HTTP server to the live API. The request is
 * authenticated exactly as REST authenticates (session cookie, or `Authorization: Bearer` with
 * an access token or an API key), within the same per-address and per-principal rate limits, and
 * refused with an HTTP answer (problem+json) before any WebSocket exists: 401 without valid
 * credentials, 403 for a cookie sent from another origin, 429 over the rate limits, 503 when this
 * replica holds its most sockets (in all or for this principal), 404 for any other path.
 */
@Injectable()
export class LiveUpgrade implements OnApplicationBootstrap, OnModuleDestroy {
  private wss?: WebSocketServer;
  private server?: Server;
  private readonly logger: Logger;
  private readonly listener = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    void this.upgrade(req, socket, head);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: Authenticator,
    private readonly rateLimiter: RateLimiter,
    private readonly hub: LiveHub,
    private readonly metrics: LiveMetrics,
    obs: Observability,
    @InjectConfig() private readonly config: ServiceConfig & GatewayEnv,
  ) {
    this.logger = obs.logger.child({ context: 'live' });
  }

  onApplicationBootstrap(): void {
    this.wss = new WebSocketServer({
      noServer: true,
      // A larger client frame closes the socket with 1009.
      maxPayload: LIVE_LIMITS.client_frame_bytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.listener);
  }

  onModuleDestroy(): void {
    this.server?.off('upgrade', this.listener);
    this.wss?.close();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    // The same client address and host REST sees under VIGIL_TRUST_PROXY (express' compiled setting).
    const { address, host } = forwardedClient(req, this.trustProxy());
    try {
      if (!isLivePath(req.url)) return this.refuse(socket, 404, 'not_found', `the live API is at ${LIVE_PATH}`);
      await this.rateLimiter.admitAddress(address);
      const presented = presentedToken(req.headers);
      if (!presented) throw new UnauthenticatedError('authentication required');
      const auth = await this.authenticator.authenticateToken(presented.token, {
        sourceIp: address,
        userAgent: req.headers['user-agent'] ?? '',
        requestId: '',
        target: LIVE_PATH,
      });
      const principal = actorOf(auth.principal);
      if (presented.via === 'cookie' && !originAllowed(req.headers.origin, host, this.config.VIGIL_CORS_ORIGINS))
        return this.refuse(socket, 403, 'origin', 'this origin may not open the live API with the session cookie', {
          principal,
          address,
        });
      await this.rateLimiter.admitPrincipal(auth.principal);
      if (socket.destroyed) return;
      const admitted = this.hub.admit(principal);
      if (admitted !== 'ok')
        return this.refuse(
          socket,
          503,
          'capacity',
          admitted === 'total'
            ? 'this gateway holds its most live sockets; try again later or another replica'
            : `this ${auth.principal.kind} holds its most live sockets on this gateway`,
          { principal },
          { 'Retry-After': String(FULL_RETRY_AFTER_S) },
        );
      let opened = false;
      socket.once('close', () => {
        if (!opened) this.hub.release(principal);
      });
      this.wss?.handleUpgrade(req, socket, head, (ws) => {
        opened = true;
        this.hub.open(ws, auth, address);
      });
    } catch (e) {
      if (e instanceof UnauthenticatedError) return this.refuse(socket, 401, 'unauthenticated', e.message, { address });
      if (e instanceof RateLimitedError)
        return this.refuse(
          socket,
          429,
          'rate_limited',
          e.message,
          { address },
          { 'Retry-After': String(e.retryAfterSeconds) },
        );
      this.logger.error({ err: e, address }, 'live: upgrade failed');
      return this.refuse(socket, 503, 'unavailable', 'the live API is not available; try again');
    }
  }

  private trustProxy(): TrustProxyFn {
    const app = this.adapterHost.httpAdapter.getInstance() as { get(setting: string): unknown };
    const trust = app.get('trust proxy fn');
    return typeof trust === 'function' ? (trust as TrustProxyFn) : () => false;
  }

  /** An HTTP answer on the raw socket, then the socket closed: no WebSocket is opened. */
  private refuse(
    socket: Duplex,
    status: number,
    reason: LiveRefusal,
    detail: string,
    log: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): void {
    this.metrics.m.refusals.inc({ reason });
    this.logger.info({ ...log, status, reason }, 'live: upgrade refused');
    if (socket.destroyed) return;
    const title = STATUS_CODES[status] ?? 'Error';
    const body = JSON.stringify({ type: 'about:blank', title, status, detail });
    const head = [
      `HTTP/1.1 ${status} ${title}`,
      'Connection: close',
      'Content-Type: application/problem+json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...(status === 401 ? ['WWW-Authenticate: Bearer'] : []),
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}
