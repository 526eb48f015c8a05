import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type ConsumerMessages, DeliverPolicy } from '@nats-io/jetstream';
import { closeOnReconnect } from '@vigil/messaging';
import {
  type AlertEvent,
  alertEvents,
  type MaintenanceWindowEvent,
  maintenanceWindowEvents,
  type NodeEvent,
  nodeEvents,
  uuidv7,
} from '@vigil/contracts';
import { EventFeed, forEachLastEvent, readEvent } from '@vigil/event-store';
import {
  Bus,
  Cache,
  InjectConfig,
  LeasedActivation,
  Observability,
  RedisLease,
  type ServiceConfig,
} from '@vigil/platform';
import type { AlertEnv } from '../../config';
import type { Notification } from '../notification';
import { type AlertEntry, Aggregator, type NotifiedState, type Outgoing } from './aggregator';
import { Deliveries } from './deliveries';
import { Muting } from './muting';
import { createNotifyMetrics, type NotifyMetrics } from './notify.metrics';
import { Receivers } from './receivers';
import { SilenceQueries } from '../../silences/silences.read-model';
import { AlertQueries } from '../alert-queries';
import { NotificationLog } from '../notification-log';
import { NotificationOutcomes } from '../notification-outcomes';

/** What a notifier needs to hear of an alert event: its entry, or nothing (pending). */
function entryOf(event: AlertEvent): AlertEntry | undefined {
  const d = event.data;
  switch (event.type) {
    case 'alert.firing':
      return {
        fingerprint: d.fingerprint,
        ruleId: d.ruleId,
        status: 'firing',
        labels: d.labels,
        annotations: event.data.annotations,
        startsAt: event.data.firedAt,
        ...(event.data.value === null ? {} : { value: event.data.value }),
      };
    case 'alert.resolved':
      if (!event.data.wasFiring) return undefined;
      return {
        fingerprint: d.fingerprint,
        ruleId: d.ruleId,
        status: 'resolved',
        labels: d.labels,
        annotations: {},
        startsAt: event.data.resolvedAt,
        endsAt: event.data.resolvedAt,
      };
    case 'alert.pending':
      return undefined;
    default: {
      const never: never = event;
      return never;
    }
  }
}

/**
 * Turns alert events into notifications, on one replica at a time (a Redis lease, like the
 * evaluator's). The alert events are the truth and the notification log says what was sent:
 * whoever takes over rebuilds the groups from the last event of each alert and the last
 * notification of each group, so nothing is told twice and nothing that changed is lost.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly lease: RedisLease;
  private readonly leased: LeasedActivation;
  private readonly metrics: NotifyMetrics;
  private active?: {
    aggregator: Aggregator;
    muting: Muting;
    deliveries: Deliveries;
    feeds: [EventFeed<NodeEvent>, EventFeed<MaintenanceWindowEvent>];
  };
  private messages?: ConsumerMessages;
  private reader?: Promise<void>;
  private flushTimer?: NodeJS.Timeout;
  private flushAt?: number;
  /** Records in order: one group's notifications must reach the log in the order decided. */
  private recording: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: Bus,
    cache: Cache,
    private readonly obs: Observability,
    private readonly receivers: Receivers,
    private readonly silences: SilenceQueries,
    private readonly log: NotificationLog,
    private readonly alerts: AlertQueries,
    private readonly outcomes: NotificationOutcomes,
    @InjectConfig() private readonly config: ServiceConfig & AlertEnv,
  ) {
    this.lease = new RedisLease(cache.redis, cache.key('alert', 'dispatcher'), config.VIGIL_ALERT_LEASE_MS);
    this.leased = new LeasedActivation(
      this.lease,
      {
        isActive: () => this.isActive(),
        activate: () => this.activate(),
        deactivate: () => this.deactivate(),
        stillHeld: () => this.flush(), // anything a lapse of the lease held back
      },
      config.VIGIL_ALERT_LEASE_MS / 3,
      (e) => this.obs.logger.error({ err: e }, 'notification dispatcher lease failed'),
    );
    this.metrics = createNotifyMetrics(obs.registry);
    silences.onChange(() => void this.silencesChanged());
  }

  /** A silence was created or expired: mute with the new set, and look at every group again. */
  private async silencesChanged(): Promise<void> {
    const active = this.active;
    if (!active) return;
    try {
      active.muting.setSilences(await this.silences.unexpired());
    } catch (e) {
      this.obs.logger.error({ err: e }, 'reloading the silences failed');
      return;
    }
    if (this.active !== active) return;
    active.aggregator.recheck(Date.now());
    this.flush();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.receivers.config.route) return;
    await this.leased.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.leased.stop();
  }

  /** The pipeline's state, for tests and the health of the process. */
  isActive(): boolean {
    return this.active !== undefined;
  }

  private async activate(): Promise<void> {
    const config = this.receivers.config;
    const route = config.route;
    if (!route) return;
    const muting = new Muting(config.inhibitRules);
    muting.setSilences(await this.silences.unexpired());
    const aggregator = new Aggregator({
      route,
      sendResolved: (r) => this.receivers.sendResolved(r),
      muting,
      newId: () => uuidv7(),
      externalUrl: this.receivers.consoleUrl,
      onMuted: (_a, reason, receiver) => this.metrics.muted.inc({ receiver, reason: reason.by }),
    });
    const deliveries = new Deliveries({
      log: this.log,
      notifier: (r) => this.receivers.notifier(r),
      logger: this.obs.logger,
      metrics: this.metrics,
      onAttemptEnded: (end) => this.outcomes.attemptEnded(end),
      policy: {
        initialBackoffMs: this.config.VIGIL_ALERT_DELIVERY_BACKOFF_MS,
        maxBackoffMs: 5 * 60_000,
        maxAgeMs: this.config.VIGIL_ALERT_DELIVERY_MAX_AGE_MS,
      },
      retentionMs: this.config.VIGIL_ALERT_NOTIFICATION_RETENTION_DAYS * 86_400_000,
      // The alert history keeps as long as the notification history.
      expireAlongside: (before) => this.alerts.expire(before),
    });
    const feeds = await this.followMaintenance(muting);
    const { fromSeq, skip } = await this.rebuild(aggregator, muting);
    this.active = { aggregator, muting, deliveries, feeds };
    deliveries.start();
    this.flush();
    this.reader = this.read(fromSeq, skip);
    this.obs.logger.info({ groups: aggregator.groupCount() }, 'notification dispatcher active');
  }

  private async deactivate(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    clearTimeout(this.flushTimer);
    this.flushAt = undefined;
    void this.messages?.close().catch(() => undefined);
    await this.reader;
    await this.recording;
    await Promise.all([active.deliveries.stop(), ...active.feeds.map((f) => f.stop())]);
    this.obs.logger.info('notification dispatcher stood down');
  }

  /**
   * Which nodes are in maintenance, from the registry's node events (each node's own maintenance,
   * and its labels: registered, then as each inventory reports them) and its maintenance window events (the windows select
   * nodes by those labels): the whole history of both before anything is sent (a node in
   * maintenance must not be told of at a takeover), then live.
   */
  private async followMaintenance(muting: Muting): Promise<[EventFeed<NodeEvent>, EventFeed<MaintenanceWindowEvent>]> {
    const changed = () => {
      if (this.active?.muting !== muting) return;
      this.active.aggregator.recheck(Date.now());
      this.flush();
    };
    const nodes = this.follow('node', nodeEvents, (event, live) => {
      if (event.type === 'node.maintenance_started') {
        muting.setMaintenance(event.data.nodeId, event.data.until ? Date.parse(event.data.until) : Infinity);
      } else if (event.type === 'node.maintenance_ended') muting.setMaintenance(event.data.nodeId, false);
      else if (event.type === 'node.registered') muting.setNodeLabels(event.data.nodeId, event.data.labels);
      // A new inventory carries the node's labels as they are now (what metrics-svc selects by too).
      else if (event.type === 'node.inventory_changed')
        muting.setNodeLabels(event.data.nodeId, event.data.inventory.labels);
      else return;
      if (live) changed();
    });
    const windows = this.follow('maintenance', maintenanceWindowEvents, (event, live) => {
      muting.applyWindow(event, Date.now());
      if (live) changed();
    });
    await Promise.all([nodes.ready, windows.ready]);
    return [nodes.feed, windows.feed];
  }

  /** One context's events: `see(event, live)`, `ready` once the history is read. */
  private follow<E extends NodeEvent | MaintenanceWindowEvent>(
    context: 'node' | 'maintenance',
    catalog: ConstructorParameters<typeof EventFeed<E>>[3],
    see: (event: E, live: boolean) => void,
  ): { feed: EventFeed<E>; ready: Promise<void> } {
    let live = false;
    let caughtUp!: () => void;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    const feed = new EventFeed<E>(this.bus, this.obs.logger, context, catalog, {
      see: (event) => see(event, live),
      goLive: () => {
        live = true;
        caughtUp();
      },
    });
    feed.start();
    return { feed, ready };
  }

  /**
   * The groups as the last event of each alert and the last notification of each group leave
   * them. Returns the stream sequence to follow on from, and the alerts whose last event is past
   * it (the live reader skips their older events).
   */
  private async rebuild(
    aggregator: Aggregator,
    muting: Muting,
  ): Promise<{ fromSeq: number; skip: Map<string, number> }> {
    const { jsm, topology } = this.bus;
    const lastSeq = (await jsm.streams.info(topology.streams.events)).state.last_seq;
    const now = Date.now();

    const rows = await this.log.lastPerGroup();
    const log = new Map<string, NotifiedState>();
    /** Alerts the log last told of as firing, as it told of them. */
    const told = new Map<string, Notification['alerts'][number]>();
    for (const r of rows) {
      log.set(r.group_key, { firing: r.firing, at: r.created_at.getTime() });
      for (const a of r.payload.alerts)
        if (a.status === 'firing' && r.firing.includes(a.fingerprint)) told.set(a.fingerprint, a);
    }

    const skip = new Map<string, number>();
    await forEachLastEvent(this.bus, 'alert', alertEvents, (event) => {
      const entry = entryOf(event);
      if (!entry) return;
      if (event.seq > lastSeq) skip.set(entry.fingerprint, event.seq);
      const before = told.get(entry.fingerprint);
      if (entry.status === 'firing') {
        muting.trackSource(entry.fingerprint, entry.labels, true);
        aggregator.restore(entry, now);
      } else if (before) {
        aggregator.restore({ ...entry, annotations: before.annotations, startsAt: before.startsAt }, now);
      }
    });
    aggregator.restoreNotified(log, now);
    return { fromSeq: lastSeq + 1, skip };
  }

  /** The alert events from `fromSeq` on, as they are appended. */
  private async read(fromSeq: number, skip: Map<string, number>): Promise<void> {
    const { js, topology } = this.bus;
    let next = fromSeq;
    const unwatch = closeOnReconnect(this.bus.nc, () => this.messages);
    while (this.active && !this.leased.stopping) {
      try {
        const consumer = await js.consumers.get(topology.streams.events, {
          filter_subjects: topology.subjects.eventsOf('alert'),
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: next,
        });
        this.messages = await consumer.consume({ max_messages: 500 });
        for await (const m of this.messages) {
          const active = this.active;
          if (!active) break;
          next = m.seq + 1;
          const event = await readEvent(this.bus, 'alert', alertEvents, m);
          const entry = event && entryOf(event);
          if (!entry) continue;
          const newest = skip.get(entry.fingerprint);
          if (newest !== undefined) {
            if (m.seq < newest) continue;
            skip.delete(entry.fingerprint);
            if (m.seq === newest) continue;
          }
          const now = Date.now();
          if (entry.status === 'firing')
            this.metrics.dispatchDelay.observe(Math.max(0, now - Date.parse(entry.startsAt)) / 1000);
          const isSource = active.muting.trackSource(entry.fingerprint, entry.labels, entry.status === 'firing');
          active.aggregator.update(entry, now);
          if (isSource) active.aggregator.recheck(now);
          this.flush();
        }
      } catch (e) {
        if (!this.active || this.leased.stopping) break;
        this.obs.logger.error({ err: e }, 'alert event reader failed; reading again');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    unwatch();
  }

  /** Sends what is due now and sets the timer for what is due next. */
  private flush(): void {
    const active = this.active;
    if (!active) return;
    // Paused past the lease (another dispatcher may be deciding now): decide nothing until the next tick says.
    if (!this.lease.stillHeld()) return;
    const now = Date.now();
    const outgoing = active.aggregator.due(now);
    this.metrics.groups.set(active.aggregator.groupCount());
    if (outgoing.length > 0) this.record(active.deliveries, outgoing);
    const candidates = [active.aggregator.nextAt(), active.muting.nextBoundary(now)].filter(
      (t): t is number => t !== undefined,
    );
    const at = candidates.length > 0 ? Math.min(...candidates) : undefined;
    if (at === this.flushAt) return;
    clearTimeout(this.flushTimer);
    this.flushAt = at;
    if (at === undefined) return;
    this.flushTimer = setTimeout(
      () => {
        this.flushAt = undefined;
        if (active.muting.nextBoundary(at - 1) === at) active.aggregator.recheck(Date.now());
        this.flush();
      },
      Math.max(0, at - now),
    );
  }

  /** Records in order, retrying until the database takes them (they are not sent before). */
  private record(deliveries: Deliveries, outgoing: Outgoing[]): void {
    this.recording = this.recording.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await deliveries.record(outgoing);
          return;
        } catch (e) {
          if (!this.active || this.leased.stopping) {
            this.obs.logger.error(
              { err: e, notifications: outgoing.length },
              'notifications not recorded before stopping; the next dispatcher decides them again',
            );
            return;
          }
          this.obs.logger.error({ err: e, attempt }, 'recording notifications failed; trying again');
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
        }
      }
    });
  }
}
