import {
  LIVE_CLOSE,
  LIVE_LIMITS,
  type LiveClientFrame,
  type LiveServerFrame,
  LiveSubscriptionId,
  readLiveClientFrame,
  roleAtLeast,
  type SampleBatch,
  UnavailableError,
} from '@vigil/contracts';
import type { Logger } from '@vigil/telemetry';
import { type RawData, WebSocket } from 'ws';
import type { Authenticated } from '../auth/authenticator';
import { actorOf, type Principal } from '../auth/principal';
import { describeScope, scopeOf } from '../auth/scope';
import type { ReplayOutcome } from './event-replay';
import { EVENT_TOPICS, type EventTopic, type EventTopicName, eventFrame, type LiveEventDelivery } from './event-topics';
import { FrameRate } from './frame-rate';
import type { LiveCloseReason, LiveFrameTopic, LiveMetricsSet } from './live.metrics';
import type { NodeScope } from './node-scope';
import type { SampleFeed, SampleListener } from './sample-feed';
import type { TopicFeed, TopicListener } from './topic-feed';

/** What a socket uses of the process: the shared feeds, the scope's node labels, instruments and bounds. */
export interface LiveDeps {
  readonly metrics: LiveMetricsSet;
  readonly logger: Logger;
  readonly pingMs: number;
  /** Events a resumption replays at most (VIGIL_LIVE_RESUME_EVENTS); also the most buffered meanwhile. */
  readonly resumeLimit: number;
  readonly samples: SampleFeed;
  readonly nodeScope: NodeScope;
  /** The topic's shared feed, started. */
  feed(topic: EventTopicName): Promise<TopicFeed>;
  /** The events after a cursor (bounded; UnavailableError when too many replays run at once). */
  replay(topic: EventTopic, since: number, upTo: number): Promise<ReplayOutcome>;
  /** The socket closed (whoever closed it). */
  closed(socket: LiveSocket, reason: LiveCloseReason, code: number): void;
}

type ErrorFrame = Extract<LiveServerFrame, { type: 'error' }>;

/** How long a scoped key's node labels may be when it subscribes (registry reads, see NodeScope). */
const SCOPE_MAX_AGE_MS = 30_000;
/** … and when it names a node they do not hold (a node registered since). */
const SCOPE_UNKNOWN_NODE_MAX_AGE_MS = 2_000;

/**
 * One client's socket: its principal, its subscriptions, the frames it may send (rate limit) and
 * the frames queued for it (bounded: past LIVE_LIMITS.send_queue_frames frames handed to the
 * socket and not yet written out, or send_queue_bytes buffered, it is closed as a slow consumer
 * instead of holding more).
 */
export class LiveSocket {
  private readonly subscriptions = new Map<string, Subscription>();
  /** The subscriptions counted in the gauge: those that opened and are still the socket's. */
  private readonly counted = new Set<Subscription>();
  private readonly rate = new FrameRate(LIVE_LIMITS.client_frames_per_second);
  /** Frames given to `ws.send` whose write has not completed. */
  private inFlight = 0;
  private closeReason?: LiveCloseReason;
  /** Pings sent since the last pong. */
  private unanswered = 0;
  readonly actor: string;

  constructor(
    private readonly ws: WebSocket,
    readonly auth: Authenticated,
    private readonly deps: LiveDeps,
  ) {
    this.actor = actorOf(auth.principal);
    ws.on('message', (data, isBinary) => this.received(data, isBinary));
    ws.on('pong', () => (this.unanswered = 0));
    ws.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.closeReason ??= 'frame_too_large';
      this.deps.logger.debug(
        { principal: this.actor, err: { message: e.message, code: e.code } },
        'live: socket error',
      );
    });
    ws.on('close', (code) => {
      this.dropSubscriptions();
      this.deps.closed(this, this.closeReason ?? 'client', code);
    });
  }

  get principal(): Principal {
    return this.auth.principal;
  }

  /** Whether the server has begun closing it. */
  get closing(): boolean {
    return this.closeReason !== undefined;
  }

  welcome(): void {
    const { kind, id, role } = this.principal;
    this.send({
      type: 'welcome',
      principal: { kind, id, role },
      limits: {
        subscriptions: LIVE_LIMITS.subscriptions,
        sample_nodes: LIVE_LIMITS.sample_nodes,
        sample_metrics: LIVE_LIMITS.sample_metrics,
        ping_ms: this.deps.pingMs,
      },
    });
  }

  send(frame: LiveServerFrame, topic: LiveFrameTopic = 'control'): boolean {
    return this.sendText(JSON.stringify(frame), topic);
  }

  /** Sends one frame, or closes the socket (4008) when its queue is past the bounds. */
  sendText(text: string, topic: LiveFrameTopic): boolean {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) {
      this.deps.metrics.framesDropped.inc({ reason: 'closed' });
      return false;
    }
    const bytes = Buffer.byteLength(text);
    if (
      this.inFlight >= LIVE_LIMITS.send_queue_frames ||
      this.ws.bufferedAmount + bytes > LIVE_LIMITS.send_queue_bytes
    ) {
      this.deps.metrics.framesDropped.inc({ reason: 'slow_consumer' });
      this.close(LIVE_CLOSE.slow_consumer, 'slow consumer: the send queue is full', 'slow_consumer');
      return false;
    }
    this.inFlight++;
    this.ws.send(text, () => void this.inFlight--);
    this.deps.metrics.framesSent.inc({ topic });
    return true;
  }

  /** Closes with `code`; the frames queued before still go out (a client that reads nothing is cut by ws' close timeout). */
  close(code: number, reason: string, why: LiveCloseReason): void {
    if (this.closing) return;
    this.closeReason = why;
    this.dropSubscriptions();
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
  }

  /** Ends the connection at once, without a close handshake. */
  terminate(why: LiveCloseReason): void {
    this.closeReason ??= why;
    this.dropSubscriptions();
    this.ws.terminate();
  }

  /** A protocol ping; a socket that left two unanswered is terminated. */
  ping(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.unanswered >= 2) return this.terminate('ping_timeout');
    this.unanswered++;
    this.ws.ping();
  }

  /** A subscription that ends by the server's decision (its cursor too old): `reset`, and it is gone. */
  reset(subscription: Subscription, reason: string): void {
    this.remove(subscription);
    this.send({ type: 'reset', id: subscription.id, reason });
  }

  private received(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    if (!this.rate.take()) {
      this.close(LIVE_CLOSE.too_many_requests, 'too many frames', 'too_many_requests');
      return;
    }
    if (isBinary) return this.refuse({ code: 'bad_request', message: 'frames are JSON text, not binary' });
    const text = (
      Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
    ).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.refuse({ code: 'bad_request', message: 'a frame must be one JSON object' });
    }
    const read = readLiveClientFrame(value);
    if ('problem' in read) {
      const id = LiveSubscriptionId.safeParse((value as { id?: unknown } | null)?.id);
      return this.refuse({
        code: 'bad_request',
        message: read.problem.message,
        ...(read.problem.field !== undefined ? { field: read.problem.field } : {}),
        ...(id.success ? { id: id.data } : {}),
      });
    }
    this.handle(read.frame).catch((e: unknown) =>
      this.deps.logger.error({ err: e, principal: this.actor }, 'live: a frame could not be handled'),
    );
  }

  private async handle(frame: LiveClientFrame): Promise<void> {
    switch (frame.op) {
      case 'ping':
        this.send({ type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}) });
        return;
      case 'unsubscribe': {
        const subscription = this.subscriptions.get(frame.id);
        if (!subscription)
          return this.refuse({ code: 'not_found', id: frame.id, field: 'id', message: 'no subscription has this id' });
        this.remove(subscription);
        this.send({ type: 'unsubscribed', id: frame.id });
        return;
      }
      case 'subscribe':
        return this.subscribe(frame);
      default: {
        const unknown: never = frame;
        throw new Error(`unknown frame ${JSON.stringify(unknown)}`);
      }
    }
  }

  private async subscribe(frame: Extract<LiveClientFrame, { op: 'subscribe' }>): Promise<void> {
    const { id } = frame;
    if (this.subscriptions.has(id))
      return this.refuse({ code: 'bad_request', id, field: 'id', message: 'a subscription with this id is open' });
    if (this.subscriptions.size >= LIVE_LIMITS.subscriptions)
      return this.refuse({
        code: 'limit',
        id,
        message: `at most ${LIVE_LIMITS.subscriptions} subscriptions per socket; unsubscribe first`,
      });
    const scope = scopeOf(this.principal);
    let subscription: Subscription;
    if (frame.topic === 'samples') {
      subscription = new SamplesSubscription(this, id, [...new Set(frame.nodes)], frame.metrics);
    } else {
      const topic = EVENT_TOPICS[frame.topic];
      if (!roleAtLeast(this.principal.role, topic.role))
        return this.refuse({
          code: 'forbidden',
          id,
          field: 'topic',
          message: `the topic ${topic.name} needs the role ${topic.role}`,
        });
      if (scope && !topic.nodeOf)
        return this.refuse({
          code: 'forbidden',
          id,
          field: 'topic',
          message: `this API key is limited to ${describeScope(scope)}, which the topic ${topic.name} cannot apply`,
        });
      subscription = new EventSubscription(
        this,
        id,
        topic,
        frame.since === undefined ? undefined : Number(frame.since),
      );
    }
    // Taken at once: a second frame with the same id, or past the limit, is refused while this one opens.
    this.subscriptions.set(id, subscription);
    try {
      if (scope) await this.deps.nodeScope.refresh(SCOPE_MAX_AGE_MS);
      const refused = await subscription.start(this.deps);
      if (refused) {
        this.subscriptions.delete(id);
        return this.refuse(refused);
      }
      if (this.holds(subscription)) {
        this.counted.add(subscription);
        this.deps.metrics.subscriptions.inc({ topic: frame.topic });
      }
    } catch (e) {
      subscription.stop(this.deps);
      if (this.subscriptions.get(id) === subscription) this.subscriptions.delete(id);
      if (!(e instanceof UnavailableError))
        this.deps.logger.error({ err: e, principal: this.actor, topic: frame.topic }, 'live: subscribing failed');
      this.refuse({
        code: 'unavailable',
        id,
        message: e instanceof UnavailableError ? e.message : 'the subscription could not be opened; try again',
      });
    }
  }

  /** Whether the subscription is still the socket's (not closed or replaced meanwhile). */
  holds(subscription: Subscription): boolean {
    return !this.closing && this.subscriptions.get(subscription.id) === subscription;
  }

  get scope() {
    return scopeOf(this.principal);
  }

  private remove(subscription: Subscription): void {
    if (this.subscriptions.get(subscription.id) !== subscription) return;
    this.subscriptions.delete(subscription.id);
    subscription.stop(this.deps);
    if (this.counted.delete(subscription)) this.deps.metrics.subscriptions.dec({ topic: subscription.topic });
  }

  private dropSubscriptions(): void {
    for (const subscription of [...this.subscriptions.values()]) this.remove(subscription);
  }

  private refuse(error: Omit<ErrorFrame, 'type'>): void {
    this.send({ type: 'error', ...error });
  }
}

interface Subscription {
  readonly id: string;
  readonly topic: LiveFrameTopic;
  /** Opens it; an error frame's content when it is refused. */
  start(deps: LiveDeps): Promise<Omit<ErrorFrame, 'type'> | undefined>;
  stop(deps: LiveDeps): void;
}

/**
 * An event topic for one socket: attached to the topic's shared feed, after replaying what
 * followed the client's cursor when it gave one. Live events that arrive during the replay are
 * held (at most the resume limit) and sent after it; every event is sent once, in stream order
 * (an event at or before the last cursor sent is skipped), so a resumption has neither gaps nor
 * duplicates.
 */
class EventSubscription implements Subscription, TopicListener {
  private feed?: TopicFeed;
  private lastSeq = 0;
  private held?: LiveEventDelivery[];
  private deps?: LiveDeps;

  constructor(
    private readonly socket: LiveSocket,
    readonly id: string,
    private readonly eventTopic: EventTopic,
    private readonly since: number | undefined,
  ) {}

  get topic(): LiveFrameTopic {
    return this.eventTopic.name;
  }

  async start(deps: LiveDeps): Promise<undefined> {
    this.deps = deps;
    const feed = await deps.feed(this.eventTopic.name);
    if (!this.socket.holds(this)) return undefined;
    this.feed = feed;
    if (this.since === undefined) {
      this.socket.send({ type: 'subscribed', id: this.id });
      this.lastSeq = feed.attach(this);
      return undefined;
    }
    this.lastSeq = this.since;
    this.held = [];
    const upTo = feed.attach(this);
    const outcome = await deps.replay(this.eventTopic, this.since, upTo);
    if (!this.socket.holds(this)) return undefined;
    if (outcome.kind === 'reset') {
      this.socket.reset(this, outcome.reason);
      return undefined;
    }
    const replayed = outcome.events.filter((d) => d.seq > this.lastSeq && this.visible(d)).length;
    this.socket.send({ type: 'subscribed', id: this.id, replayed });
    for (const d of outcome.events) this.emit(d);
    const held = this.held;
    this.held = undefined;
    for (const d of held) this.emit(d);
    return undefined;
  }

  deliver(delivery: LiveEventDelivery): void {
    if (!this.held) return this.emit(delivery);
    if (this.held.length >= (this.deps?.resumeLimit ?? LIVE_LIMITS.resume_events)) {
      this.socket.reset(this, 'too many events arrived while resuming: reload, then subscribe without a cursor');
      return;
    }
    this.held.push(delivery);
  }

  stop(): void {
    this.feed?.detach(this);
    this.held = undefined;
  }

  private emit(delivery: LiveEventDelivery): void {
    if (delivery.seq <= this.lastSeq) return;
    this.lastSeq = delivery.seq;
    if (this.visible(delivery)) this.socket.sendText(eventFrame(this.id, delivery), this.eventTopic.name);
  }

  private visible(delivery: LiveEventDelivery): boolean {
    const { types, nodeOf } = this.eventTopic;
    if (types && !types.has(delivery.event.type)) return false;
    const scope = this.socket.scope;
    if (!scope) return true;
    return (
      nodeOf !== undefined &&
      this.deps !== undefined &&
      this.deps.nodeScope.sees(scope, delivery, nodeOf(delivery.event))
    );
  }
}

/** The sample batches of up to LIVE_LIMITS.sample_nodes nodes, each batch cut to the metrics asked for. */
class SamplesSubscription implements Subscription, SampleListener {
  readonly topic = 'samples';
  private readonly metrics?: ReadonlySet<string>;
  private started = false;

  constructor(
    private readonly socket: LiveSocket,
    readonly id: string,
    private readonly nodes: string[],
    metrics: string[] | undefined,
  ) {
    if (metrics) this.metrics = new Set(metrics);
  }

  async start(deps: LiveDeps): Promise<Omit<ErrorFrame, 'type'> | undefined> {
    const scope = this.socket.scope;
    if (scope) {
      if (this.nodes.some((n) => !deps.nodeScope.inScope(scope, n)))
        await deps.nodeScope.refresh(SCOPE_UNKNOWN_NODE_MAX_AGE_MS);
      const outside = this.nodes.findIndex((n) => !deps.nodeScope.inScope(scope, n));
      // As REST answers for a node outside the scope: as for one not registered.
      if (outside >= 0)
        return {
          code: 'not_found',
          id: this.id,
          field: `nodes.${outside}`,
          message: `node ${this.nodes[outside]} is not registered`,
        };
    }
    if (!this.socket.holds(this)) return undefined;
    this.socket.send({ type: 'subscribed', id: this.id });
    for (const node of this.nodes) deps.samples.add(node, this);
    this.started = true;
    return undefined;
  }

  samples(batch: SampleBatch): void {
    const metrics = this.metrics;
    const samples = metrics ? batch.samples.filter((s) => metrics.has(s.name)) : batch.samples;
    if (samples.length === 0) return;
    this.socket.send(
      {
        type: 'samples',
        id: this.id,
        nodeId: batch.nodeId,
        timestamp: batch.timestamp,
        samples: samples.map((s) => ({ name: s.name, labels: s.labels ?? {}, value: s.value })),
      },
      'samples',
    );
  }

  stop(deps: LiveDeps): void {
    if (!this.started) return;
    for (const node of this.nodes) deps.samples.remove(node, this);
  }
}
