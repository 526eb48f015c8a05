import type { LiveClientFrame, LiveEvent, LiveServerFrame } from '../api/types';
import { parseServerFrame } from './frames';

/**
 * A reconnecting client of the gateway's live API (`/ws`, frames in libs/contracts/src/live).
 *
 * - One socket; it is opened again after any loss with exponential backoff and jitter
 *   (`initialMs` doubling to `maxMs`, each wait 50–100 % of that), reset once the server welcomes it.
 * - An application-level ping every `ping_ms` the server announces (browsers cannot send protocol
 *   pings); a socket from which nothing was heard for two intervals is closed and opened again.
 * - Every subscription is sent again on each new socket; an event subscription resumes with
 *   `since` = the cursor of the last event it delivered, so nothing in between is lost.
 * - `reset` (the cursor is too old to resume): the subscriber reloads over REST, then the
 *   subscription starts again without `since`.
 * - Closed as unauthorized (4001): `renewSession` is asked (the app refreshes its cookie) and the
 *   socket is opened again only if it answers true. Forbidden (4003) stops the client.
 *
 * Everything it touches (the socket, timers, the clock, randomness) is passed in, for tests.
 */

export type LiveStatus = 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface LiveClientOptions {
  url: string;
  connect?: (url: string) => SocketLike;
  timers?: Timers;
  random?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Used until the server's welcome announces its own. */
  pingMs?: number;
  renewSession?: () => Promise<boolean>;
  onStatus?: (status: LiveStatus) => void;
  onError?: (frame: Extract<LiveServerFrame, { type: 'error' }>) => void;
}

export type EventTopic = 'fleet' | 'alerts' | 'silences' | 'notifications' | 'backups' | 'audit' | 'maintenance';
export type SamplesFrame = Extract<LiveServerFrame, { type: 'samples' }>;

interface EventSubscription {
  kind: 'events';
  id: string;
  topic: EventTopic;
  cursor?: string;
  onEvent(event: LiveEvent, cursor: string): void;
  onReset(): Promise<void> | void;
}

interface SamplesSubscription {
  kind: 'samples';
  id: string;
  nodes: string[];
  metrics?: string[];
  onSamples(frame: SamplesFrame): void;
}

type Subscription = EventSubscription | SamplesSubscription;

const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/** The live API's URL on the page's own origin. */
export const liveUrl = (loc: { protocol: string; host: string }): string =>
  `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;

export class LiveClient {
  status: LiveStatus = 'stopped';
  private readonly subs = new Map<string, Subscription>();
  private readonly timers: Timers;
  private readonly connect: (url: string) => SocketLike;
  private readonly random: () => number;
  private socket?: SocketLike;
  private welcomed = false;
  private attempt = 0;
  private pingMs: number;
  private lastHeard = 0;
  private reconnectTimer?: unknown;
  private pingTimer?: unknown;
  private nextId = 0;

  constructor(private readonly options: LiveClientOptions) {
    this.timers = options.timers ?? browserTimers;
    this.connect = options.connect ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.random = options.random ?? Math.random;
    this.pingMs = options.pingMs ?? 15_000;
  }

  start(): void {
    if (this.status !== 'stopped') return;
    this.open();
  }

  stop(): void {
    this.setStatus('stopped');
    this.timers.clearTimeout(this.reconnectTimer);
    this.timers.clearTimeout(this.pingTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'client stopped');
  }

  /** Events of `topic`, resumed across reconnections; `onReset` reloads what the events update. */
  subscribeEvents(
    topic: EventTopic,
    onEvent: EventSubscription['onEvent'],
    onReset: EventSubscription['onReset'],
  ): () => void {
    return this.add({ kind: 'events', id: `${topic}-${++this.nextId}`, topic, onEvent, onReset });
  }

  /** The sample batches of `nodes` (at most the server's sample_nodes), only `metrics` if given. */
  subscribeSamples(nodes: string[], metrics: string[] | undefined, onSamples: SamplesSubscription['onSamples']) {
    return this.add({ kind: 'samples', id: `samples-${++this.nextId}`, nodes, metrics, onSamples });
  }

  private add(sub: Subscription): () => void {
    this.subs.set(sub.id, sub);
    this.sendSubscribe(sub);
    return () => {
      if (this.subs.get(sub.id) !== sub) return;
      this.subs.delete(sub.id);
      this.sendFrame({ op: 'unsubscribe', id: sub.id });
    };
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus?.(status);
  }

  private open(): void {
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    this.welcomed = false;
    let socket: SocketLike;
    try {
      socket = this.connect(this.options.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onmessage = (ev) => {
      if (this.socket !== socket || typeof ev.data !== 'string') return;
      const frame = parseServerFrame(ev.data);
      if (!frame) return;
      this.lastHeard = this.timers.now();
      this.handle(frame);
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.welcomed = false;
      this.timers.clearTimeout(this.pingTimer);
      if (this.status === 'stopped') return;
      if (ev.code === 4003) {
        this.setStatus('stopped');
        return;
      }
      if (ev.code === 4001 && this.options.renewSession) {
        this.setStatus('reconnecting');
        void this.options.renewSession().then(
          (renewed) => (renewed ? this.scheduleReconnect() : this.setStatus('stopped')),
          () => this.setStatus('stopped'),
        );
        return;
      }
      this.scheduleReconnect();
    };
    socket.onerror = () => {
      // A close event follows every error; the reconnection starts there.
    };
  }

  private scheduleReconnect(): void {
    if (this.status === 'stopped') return;
    this.setStatus('reconnecting');
    const initial = this.options.initialBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    const ceiling = Math.min(max, initial * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const delay = Math.round(ceiling * (0.5 + this.random() * 0.5));
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.timers.setTimeout(() => {
      if (this.status !== 'stopped') this.open();
    }, delay);
  }

  private handle(frame: LiveServerFrame): void {
    switch (frame.type) {
      case 'welcome':
        this.welcomed = true;
        this.attempt = 0;
        this.pingMs = Math.max(1000, frame.limits.ping_ms);
        this.setStatus('open');
        for (const sub of this.subs.values()) this.sendSubscribe(sub);
        this.schedulePing();
        return;
      case 'event': {
        const sub = this.subs.get(frame.id);
        if (sub?.kind !== 'events') return;
        sub.cursor = frame.cursor;
        sub.onEvent(frame.event, frame.cursor);
        return;
      }
      case 'samples': {
        const sub = this.subs.get(frame.id);
        if (sub?.kind === 'samples') sub.onSamples(frame);
        return;
      }
      case 'reset': {
        const sub = this.subs.get(frame.id);
        if (sub?.kind !== 'events') return;
        sub.cursor = undefined;
        void Promise.resolve(sub.onReset()).finally(() => {
          if (this.subs.get(sub.id) !== sub) return;
          this.sendFrame({ op: 'unsubscribe', id: sub.id });
          this.sendSubscribe(sub);
        });
        return;
      }
      case 'error':
        this.options.onError?.(frame);
        return;
      case 'subscribed':
      case 'unsubscribed':
      case 'pong':
        return;
      default: {
        const never: never = frame;
        return never;
      }
    }
  }

  private schedulePing(): void {
    this.timers.clearTimeout(this.pingTimer);
    this.pingTimer = this.timers.setTimeout(() => {
      const socket = this.socket;
      if (!socket || !this.welcomed) return;
      const now = this.timers.now();
      if (now - this.lastHeard > 2 * this.pingMs) {
        // Nothing heard for two intervals: the connection is dead even if the browser has not noticed.
        this.socket = undefined;
        this.welcomed = false;
        socket.close(4000, 'no answer to pings');
        this.scheduleReconnect();
        return;
      }
      this.sendFrame({ op: 'ping', t: now });
      this.schedulePing();
    }, this.pingMs);
  }

  private sendSubscribe(sub: Subscription): void {
    if (sub.kind === 'events')
      this.sendFrame({ op: 'subscribe', id: sub.id, topic: sub.topic, ...(sub.cursor ? { since: sub.cursor } : {}) });
    else
      this.sendFrame({
        op: 'subscribe',
        id: sub.id,
        topic: 'samples',
        nodes: sub.nodes,
        ...(sub.metrics ? { metrics: sub.metrics } : {}),
      });
  }

  private sendFrame(frame: LiveClientFrame): void {
    if (!this.socket || !this.welcomed) return;
    try {
      this.socket.send(JSON.stringify(frame));
    } catch {
      // The socket is closing; its close event reconnects and resubscribes.
    }
  }
}
