import type { Route } from '@vigil/contracts';
import { alertsLink } from '../console-link';
import type { NotifiedAlert, Notification } from '../notification';
import type { MuteReason, Muting } from './muting';
import { groupKeyOf, groupLabelsOf, type ResolvedRoute, routesFor } from './routing';

/** An alert as the pipeline holds it: its last state from the alert events. */
export interface AlertEntry {
  fingerprint: string;
  ruleId: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ISO 8601. */
  startsAt: string;
  endsAt?: string;
  value?: number;
}

/** What a group flush decided to send: recorded in the outbox before anything goes out. */
export interface Outgoing {
  notification: Notification;
  /** The firing alerts it tells of: the group's notification log. */
  firing: string[];
  createdAt: number;
}

/** What the notification log says was last sent for a group. */
export interface NotifiedState {
  firing: readonly string[];
  at: number;
}

interface Group {
  key: string;
  route: ResolvedRoute;
  labels: Record<string, string>;
  alerts: Map<string, AlertEntry>;
  /** The firing alerts the last notification told of. */
  notified: Set<string>;
  lastNotifiedAt?: number;
  lastFlushAt?: number;
  flushAt?: number;
}

export interface AggregatorOptions {
  route: Route;
  /** Whether a receiver wants resolved notifications. */
  sendResolved: (receiver: string) => boolean;
  muting: Muting;
  newId: () => string;
  /** The console's address: each notification links to its alerts there (`alertsLink`). */
  externalUrl?: string;
  /** Told of each alert a flush left out, and why (for the metrics). */
  onMuted?: (alert: AlertEntry, reason: MuteReason, receiver: string) => void;
}

/**
 * Alertmanager's aggregation groups: alerts routed to the same route with the same values of its
 * `group_by` labels are notified together. A new group's first notification waits `group_wait`
 * (none when it is 0: it goes out with the event that opened the group); later changes wait for
 * `group_interval` after the previous flush; an unchanged firing group is notified again after
 * `repeat_interval`. Pure: the caller gives the time and sends what `due` returns.
 */
export class Aggregator {
  private readonly groups = new Map<string, Group>();
  /** Groups an alert is in, by fingerprint. */
  private readonly memberOf = new Map<string, Set<string>>();

  constructor(private readonly opts: AggregatorOptions) {}

  groupCount(): number {
    return this.groups.size;
  }

  /** An alert fired or resolved. */
  update(alert: AlertEntry, now: number): void {
    this.put(alert, now, false);
  }

  /**
   * After a restart, an alert as its last event left it: a resolved one too (give those the
   * notification log told of as firing), so its resolved notification is not lost.
   */
  restore(alert: AlertEntry, now: number): void {
    this.put(alert, now, true);
  }

  private put(alert: AlertEntry, now: number, restoring: boolean): void {
    let keys = this.memberOf.get(alert.fingerprint);
    if (!keys) {
      // A resolved alert that is in no group was never notified here: nothing to tell.
      if (alert.status === 'resolved' && !restoring) return;
      keys = new Set();
      for (const route of routesFor(this.opts.route, alert.labels)) {
        const labels = groupLabelsOf(route, alert.labels);
        const key = groupKeyOf(route, labels);
        if (!this.groups.has(key)) this.groups.set(key, { key, route, labels, alerts: new Map(), notified: new Set() });
        keys.add(key);
      }
      this.memberOf.set(alert.fingerprint, keys);
    }
    for (const key of keys) {
      const g = this.groups.get(key);
      if (!g) continue;
      const before = g.alerts.get(alert.fingerprint);
      g.alerts.set(
        alert.fingerprint,
        before
          ? { ...before, ...alert, annotations: alert.status === 'firing' ? alert.annotations : before.annotations }
          : alert,
      );
      this.schedule(g, now);
    }
  }

  /**
   * After a restart: what the notification log says each group was last sent. Call after the
   * current alerts went in through `update`; groups get their timers from it.
   */
  restoreNotified(log: ReadonlyMap<string, NotifiedState>, now: number): void {
    for (const g of this.groups.values()) {
      const last = log.get(g.key);
      g.flushAt = undefined;
      if (last) {
        g.notified = new Set(last.firing);
        g.lastNotifiedAt = last.at;
        g.lastFlushAt = last.at;
      }
      this.schedule(g, now);
    }
  }

  /** Muting changed (a silence, an inhibiting alert, maintenance): every group looks again. */
  recheck(now: number): void {
    for (const g of this.groups.values()) this.schedule(g, now);
  }

  /** When the next group is due, if any. */
  nextAt(): number | undefined {
    let next: number | undefined;
    for (const g of this.groups.values())
      if (g.flushAt !== undefined && (next === undefined || g.flushAt < next)) next = g.flushAt;
    return next;
  }

  /** Flushes every group due by `now`; the notifications to record and send. */
  due(now: number): Outgoing[] {
    const out: Outgoing[] = [];
    for (const g of [...this.groups.values()]) {
      if (g.flushAt === undefined || g.flushAt > now) continue;
      const sent = this.flush(g, now);
      if (sent) out.push(sent);
    }
    return out;
  }

  private schedule(g: Group, now: number): void {
    // A group its receiver has not heard of yet (new, or everything in it muted so far) is new.
    const at =
      g.lastNotifiedAt === undefined || g.lastFlushAt === undefined
        ? now + g.route.groupWaitMs
        : Math.max(now, g.lastFlushAt + g.route.groupIntervalMs);
    if (g.flushAt === undefined || at < g.flushAt) g.flushAt = at;
  }

  private flush(g: Group, now: number): Outgoing | undefined {
    const { muting, onMuted } = this.opts;
    const firing: AlertEntry[] = [];
    const resolved: AlertEntry[] = [];
    for (const a of g.alerts.values()) {
      const reason = g.route.muted ? undefined : muting.mutedBy(a.fingerprint, a.labels, now);
      if (g.route.muted || reason) {
        if (reason && a.status === 'firing') onMuted?.(a, reason, g.route.receiver);
        continue;
      }
      if (a.status === 'firing') firing.push(a);
      else if (g.notified.has(a.fingerprint)) resolved.push(a);
    }
    const firingNow = new Set(firing.map((a) => a.fingerprint));
    const added = firing.some((a) => !g.notified.has(a.fingerprint));
    const left = [...g.notified].some((fp) => !firingNow.has(fp));
    const repeat =
      firing.length > 0 && g.lastNotifiedAt !== undefined && now >= g.lastNotifiedAt + g.route.repeatIntervalMs;
    const withResolved = this.opts.sendResolved(g.route.receiver);
    const send = added || repeat || (withResolved && resolved.length > 0);

    let outgoing: Outgoing | undefined;
    if (send) {
      outgoing = {
        notification: this.notification(g, firing, withResolved ? resolved : []),
        firing: [...firingNow],
        createdAt: now,
      };
      g.lastNotifiedAt = now;
    }
    if (send || left) g.notified = firingNow;
    g.lastFlushAt = now;
    g.flushAt = undefined;
    for (const a of [...g.alerts.values()]) if (a.status === 'resolved') this.leave(g, a.fingerprint);
    if (g.alerts.size === 0) this.groups.delete(g.key);
    else if (firing.length > 0 && g.lastNotifiedAt !== undefined)
      g.flushAt = g.lastNotifiedAt + g.route.repeatIntervalMs;
    return outgoing;
  }

  private leave(g: Group, fingerprint: string): void {
    g.alerts.delete(fingerprint);
    const keys = this.memberOf.get(fingerprint);
    keys?.delete(g.key);
    if (keys?.size === 0) this.memberOf.delete(fingerprint);
  }

  private notification(g: Group, firing: AlertEntry[], resolved: AlertEntry[]): Notification {
    const alerts = [...firing, ...resolved];
    return {
      id: this.opts.newId(),
      receiver: g.route.receiver,
      status: firing.length > 0 ? 'firing' : 'resolved',
      groupKey: g.key,
      groupLabels: g.labels,
      commonLabels: common(alerts.map((a) => a.labels)),
      commonAnnotations: common(alerts.map((a) => a.annotations)),
      ...(this.opts.externalUrl ? { externalUrl: alertsLink(this.opts.externalUrl, alerts) } : {}),
      alerts: alerts.map(notified),
    };
  }
}

function notified(a: AlertEntry): NotifiedAlert {
  return {
    fingerprint: a.fingerprint,
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    ...(a.endsAt === undefined ? {} : { endsAt: a.endsAt }),
    ...(a.value === undefined ? {} : { value: a.value }),
  };
}

/** The pairs every record has with the same value. */
function common(records: readonly Record<string, string>[]): Record<string, string> {
  if (records.length === 0) return {};
  const out: Record<string, string> = { ...records[0] };
  for (const r of records.slice(1)) for (const k of Object.keys(out)) if (r[k] !== out[k]) delete out[k];
  return out;
}
