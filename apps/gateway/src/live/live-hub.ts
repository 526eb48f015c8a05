import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LIVE_CLOSE, UnavailableError } from '@vigil/contracts';
import { Bus, InjectConfig, Observability, type ServiceConfig } from '@vigil/platform';
import type { Logger } from '@vigil/telemetry';
import type { WebSocket } from 'ws';
import type { Authenticated } from '../auth/authenticator';
import type { GatewayEnv } from '../config';
import { ApiKeys } from '../keys/api-keys';
import { SessionStore } from '../sessions/session.store';
import { replayEvents } from './event-replay';
import { EVENT_TOPICS, type EventTopicName } from './event-topics';
import { type LiveCloseReason, LiveMetrics } from './live.metrics';
import { type LiveDeps, LiveSocket } from './live-socket';
import { NodeScope } from './node-scope';
import { SampleFeed } from './sample-feed';
import { TopicFeed } from './topic-feed';

/** Resumptions one process runs at once (each reads up to VIGIL_LIVE_RESUME_EVENTS events into memory). */
const MAX_CONCURRENT_REPLAYS = 16;
/** How long sockets have to answer the close of a shutdown before they are cut. */
const SHUTDOWN_GRACE_MS = 1000;
/** How long the node labels of scoped keys may be (re-read by the periodic check while a scoped socket is open). */
const SCOPE_REFRESH_MS = 30_000;

/**
 * The live API's sockets in this process: how many there are (the caps), the shared NATS feeds
 * they read, and the two timers that keep them honest: the protocol ping, and the check of every
 * socket's credential (sessions in one Redis MGET, API keys in one query) every
 * VIGIL_LIVE_RECHECK_MS, which closes a socket whose session ended, whose access token expired or
 * whose key was revoked or expired with 4001.
 */
@Injectable()
export class LiveHub implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly sockets = new Set<LiveSocket>();
  /** Sockets admitted (opened, or being opened) per principal, and in all. */
  private readonly perPrincipal = new Map<string, number>();
  private admitted = 0;
  private readonly feeds = new Map<EventTopicName, TopicFeed>();
  private readonly samples: SampleFeed;
  private readonly logger: Logger;
  private readonly deps: LiveDeps;
  private readonly timers: NodeJS.Timeout[] = [];
  private replays = 0;
  private checking = false;

  constructor(
    private readonly bus: Bus,
    obs: Observability,
    private readonly metrics: LiveMetrics,
    private readonly sessions: SessionStore,
    private readonly keys: ApiKeys,
    private readonly nodeScope: NodeScope,
    @InjectConfig() private readonly config: ServiceConfig & GatewayEnv,
  ) {
    this.logger = obs.logger.child({ context: 'live' });
    this.samples = new SampleFeed(bus, this.logger, metrics.m.feeds);
    this.deps = {
      metrics: metrics.m,
      logger: this.logger,
      pingMs: config.VIGIL_LIVE_PING_MS,
      resumeLimit: config.VIGIL_LIVE_RESUME_EVENTS,
      samples: this.samples,
      nodeScope,
      feed: (topic) => this.feed(topic),
      replay: (topic, since, upTo) =>
        this.replay(() => replayEvents(this.bus, topic, since, upTo, this.deps.resumeLimit)),
      closed: (socket, reason, code) => this.closed(socket, reason, code),
    };
  }

  onApplicationBootstrap(): void {
    this.timers.push(
      setInterval(() => this.pingAll(), this.config.VIGIL_LIVE_PING_MS).unref(),
      setInterval(() => void this.recheck(), this.config.VIGIL_LIVE_RECHECK_MS).unref(),
    );
  }

  /**
   * Counts one more socket of `principalKey` (`user:<name>`, `key:<id>`) against the caps;
   * `release` gives it back if the socket never opens.
   */
  admit(principalKey: string): 'ok' | 'total' | 'principal' {
    if (this.admitted >= this.config.VIGIL_LIVE_MAX_SOCKETS) return 'total';
    const held = this.perPrincipal.get(principalKey) ?? 0;
    if (held >= this.config.VIGIL_LIVE_MAX_SOCKETS_PER_PRINCIPAL) return 'principal';
    this.perPrincipal.set(principalKey, held + 1);
    this.admitted++;
    return 'ok';
  }

  release(principalKey: string): void {
    const held = (this.perPrincipal.get(principalKey) ?? 1) - 1;
    if (held > 0) this.perPrincipal.set(principalKey, held);
    else this.perPrincipal.delete(principalKey);
    this.admitted--;
  }

  /** A socket just upgraded: it is greeted and follows the rules from now on. */
  open(ws: WebSocket, auth: Authenticated, address: string): void {
    const socket = new LiveSocket(ws, auth, this.deps);
    this.sockets.add(socket);
    this.metrics.m.sockets.inc();
    this.logger.info({ principal: socket.actor, role: auth.principal.role, address }, 'live: socket opened');
    socket.welcome();
  }

  /** Every socket closed with 1001 (those that do not answer within a second are cut), then the NATS readers stopped. */
  async onModuleDestroy(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.sockets)
      socket.close(LIVE_CLOSE.going_away, 'the gateway is shutting down', 'going_away');
    for (let waited = 0; this.sockets.size > 0 && waited < SHUTDOWN_GRACE_MS; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    for (const socket of this.sockets) socket.terminate('going_away');
    this.samples.close();
    this.metrics.m.feeds.dec({ kind: 'events' }, this.feeds.size);
    await Promise.all([...this.feeds.values()].map((f) => f.stop()));
  }

  private closed(socket: LiveSocket, reason: LiveCloseReason, code: number): void {
    if (!this.sockets.delete(socket)) return;
    this.release(socket.actor);
    this.metrics.m.sockets.dec();
    this.metrics.m.closes.inc({ reason });
    this.logger.info({ principal: socket.actor, reason, code }, 'live: socket closed');
  }

  private async feed(topic: EventTopicName): Promise<TopicFeed> {
    let feed = this.feeds.get(topic);
    if (!feed) {
      const observe = topic === 'fleet' ? this.nodeScope.observe.bind(this.nodeScope) : undefined;
      feed = new TopicFeed(this.bus, this.logger, EVENT_TOPICS[topic], observe);
      this.feeds.set(topic, feed);
      this.metrics.m.feeds.inc({ kind: 'events' });
    }
    await feed.start();
    return feed;
  }

  private async replay<T>(run: () => Promise<T>): Promise<T> {
    if (this.replays >= MAX_CONCURRENT_REPLAYS)
      throw new UnavailableError('too many resumptions are running on this gateway; try again in a moment');
    this.replays++;
    try {
      return await run();
    } finally {
      this.replays--;
    }
  }

  private pingAll(): void {
    for (const socket of this.sockets) socket.ping();
  }

  /** Every socket's credential checked again, in two batched reads. */
  private async recheck(): Promise<void> {
    if (this.checking || this.sockets.size === 0) return;
    this.checking = true;
    try {
      const now = Date.now();
      const users: LiveSocket[] = [];
      const keyed: LiveSocket[] = [];
      for (const socket of this.sockets) {
        if (socket.closing) continue;
        const { principal, expiresAt } = socket.auth;
        if (expiresAt !== undefined && expiresAt <= now) this.unauthorized(socket, 'the access token expired');
        else (principal.kind === 'user' ? users : keyed).push(socket);
      }
      const sessionIds = new Set(users.map((s) => (s.principal.kind === 'user' ? s.principal.sessionId : '')));
      const keyIds = new Set(keyed.map((s) => s.principal.id));
      const [open, live] = await Promise.all([
        this.sessions.stillOpen([...sessionIds]),
        this.keys.stillLive([...keyIds]),
      ]);
      for (const socket of users) {
        const p = socket.principal;
        const session = p.kind === 'user' ? open.get(p.sessionId) : undefined;
        if (!session || session.username !== p.id || session.role !== p.role)
          this.unauthorized(socket, 'the session ended');
      }
      for (const socket of keyed)
        if (!live.has(socket.principal.id)) this.unauthorized(socket, 'the API key was revoked or expired');
      if (keyed.some((s) => s.scope)) await this.nodeScope.refresh(SCOPE_REFRESH_MS);
    } catch (e) {
      this.logger.warn(
        { err: { message: (e as Error).message } },
        'live: the credentials of the open sockets could not be checked; trying again at the next check',
      );
    } finally {
      this.checking = false;
    }
  }

  private unauthorized(socket: LiveSocket, why: string): void {
    this.logger.info({ principal: socket.actor, why }, 'live: credential no longer valid');
    socket.close(LIVE_CLOSE.unauthorized, why, 'unauthorized');
  }
}
