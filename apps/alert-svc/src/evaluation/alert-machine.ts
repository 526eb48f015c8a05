import { type AlertEvent, ConcurrencyError, type EventMeta } from '@vigil/contracts';
import type { EventStore, StoredEvent } from '@vigil/event-store';
import type { Logger } from 'pino';
import {
  type AlertCommand,
  type AlertIdentity,
  type AlertState,
  type AlertTiming,
  decideAlert,
  evolveAlert,
  initialAlertState,
  nextDeadline,
  observeAlert,
} from '../domain/alert/alert.decider';
import { type GroupLimit, PerRuleCount, quietGroupLimit } from './group-limit';

/** A rule's timing, and whether its alerts go stale. */
export interface MachineTiming extends AlertTiming {
  /**
   * An active alert not observed for this long ends (`series_gone`): for rules observed on
   * every sample. Unset for rules whose evaluator holds the condition itself (absent,
   * offline, event, missing), where silence is the condition or says nothing.
   */
  staleMs?: number;
}

interface Tracked {
  id: AlertIdentity;
  timing: MachineTiming;
  state: AlertState;
  /** Stream sequence of the alert's last event (0: none); appends expect it. */
  lastSeq: number;
  annotations: Record<string, string>;
  /** When the condition was last evaluated (not stored: a restart counts from then). */
  seenAt: number;
  /** Steps of this alert run one after the other. */
  busy: Promise<void>;
}

/** A threshold alert whose series has sent nothing for this long ends (`series_gone`), as Prometheus' staleness does. */
export const STALE_MS = 5 * 60_000;

export interface AlertMachineDeps {
  store: EventStore<AlertEvent>;
  logger: Logger;
  clock?: () => number;
  /**
   * Whether this process may still write (its lease has not run out by its own clock): a
   * replica resumed after a pause must not act on samples the other has already judged.
   */
  mayWrite?: () => boolean;
  /** The most alerts (pending or firing) of one rule; a new one past it is refused and reported. */
  limit?: GroupLimit;
}

/**
 * Every active alert's state machine, in memory, its transitions appended to the event
 * store (expecting the alert's last sequence, so a second writer cannot double a
 * transition). One timer, set to the earliest deadline, ticks the alerts whose `for`
 * window closed or whose keep_firing_for ran out: an alert fires when its window closes,
 * not when the next sample happens to arrive.
 *
 * Only active alerts are held (an alert that resolves or ends is dropped at once; one pending
 * whose series went quiet ends after `staleMs`), at most `limit.maxPerRule` of a rule: a new
 * alert past it is refused and reported, one already held is never dropped to make room (a
 * firing alert is never lost silently). Restored alerts are all taken back, even past it.
 */
export class AlertMachine {
  private readonly alerts = new Map<string, Tracked>();
  private readonly perRule = new PerRuleCount();
  private readonly limit: GroupLimit;
  private timer?: NodeJS.Timeout;
  private sweeper?: NodeJS.Timeout;
  private timerAt = Infinity;
  private readonly clock: () => number;
  private stopped = false;

  constructor(private readonly deps: AlertMachineDeps) {
    this.clock = deps.clock ?? Date.now;
    this.limit = deps.limit ?? quietGroupLimit();
  }

  /** Takes back an alert whose last stored event is `event` (after a restart). */
  restore(event: StoredEvent<AlertEvent>, timing: MachineTiming, annotations: Record<string, string>): void {
    const { ruleId, fingerprint, labels } = event.data;
    const state = evolveAlert(initialAlertState(), event);
    if (state.status === 'inactive') return;
    this.hold({
      id: { ruleId, fingerprint, labels },
      timing,
      state,
      lastSeq: event.seq,
      annotations,
      seenAt: this.clock(),
      busy: Promise.resolve(),
    });
  }

  private hold(t: Tracked): void {
    if (!this.alerts.has(t.id.fingerprint)) this.perRule.add(t.id.ruleId);
    this.alerts.set(t.id.fingerprint, t);
  }

  /** The rule's condition for one alert at `at`. */
  observe(
    id: AlertIdentity,
    timing: MachineTiming,
    at: number,
    holds: boolean,
    value: number | null,
    annotations: Record<string, string>,
  ): Promise<void> {
    let t = this.alerts.get(id.fingerprint);
    if (!t) {
      if (!holds) return Promise.resolve();
      if (this.perRule.get(id.ruleId) >= this.limit.maxPerRule) {
        this.limit.refused(id.ruleId, 'alerts');
        return Promise.resolve();
      }
      this.hold(
        (t = { id, timing, state: initialAlertState(), lastSeq: 0, annotations, seenAt: at, busy: Promise.resolve() }),
      );
    }
    t.timing = timing;
    t.seenAt = Math.max(t.seenAt, this.clock());
    t.annotations = annotations;
    return this.step(t, { type: 'Observe', at, holds, value, annotations });
  }

  /** Ends every active alert of `ruleId` (the rule changed, was disabled or deleted). */
  async endRule(ruleId: string, reason: 'rule_changed' | 'rule_disabled' | 'rule_deleted'): Promise<void> {
    const at = this.clock();
    await Promise.all(
      [...this.alerts.values()]
        .filter((t) => t.id.ruleId === ruleId)
        .map((t) => this.step(t, { type: 'End', at, reason })),
    );
  }

  /** Sets the timer for what was restored, and ends alerts whose series went quiet (those with `staleMs`). */
  start(): void {
    this.schedule();
    this.sweeper = setInterval(() => {
      const now = this.clock();
      for (const t of this.alerts.values())
        if (t.timing.staleMs !== undefined && now - t.seenAt > t.timing.staleMs)
          void this.step(t, { type: 'End', at: now, reason: 'series_gone' });
    }, 30_000);
  }

  activeCount(): number {
    return this.alerts.size;
  }

  /** The active alert of `fingerprint` (its status), if held. */
  statusOf(fingerprint: string): AlertState['status'] | undefined {
    return this.alerts.get(fingerprint)?.state.status;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.sweeper);
    await this.idle();
  }

  /** Resolves once every transition asked so far has run (its events appended). */
  async idle(): Promise<void> {
    await Promise.all([...this.alerts.values()].map((t) => t.busy));
  }

  private step(t: Tracked, command: AlertCommand): Promise<void> {
    let before: number | undefined;
    t.busy = t.busy
      .then(() => {
        before = nextDeadline(t.state, t.timing);
        return this.run(t, command);
      })
      .catch((err: unknown) => {
        this.deps.logger.error({ err, fingerprint: t.id.fingerprint, rule: t.id.ruleId }, 'alert transition failed');
      })
      .finally(() => this.rescheduleAfter(t, before));
    return t.busy;
  }

  /**
   * Sets the timer after a step of `t` whose deadline was `before`: when the timer was not set
   * for `t`, only `t`'s new deadline can make it earlier (one alert, not all: a thousand alerts
   * stepping at once were a million deadline reads); otherwise every deadline is read again.
   */
  private rescheduleAfter(t: Tracked, before: number | undefined): void {
    if (before === undefined || before !== this.timerAt) {
      const after = this.alerts.get(t.id.fingerprint) === t ? nextDeadline(t.state, t.timing) : undefined;
      if (after === undefined || after >= this.timerAt) return;
      if (!this.stopped) this.setTimer(after);
      return;
    }
    this.schedule();
  }

  private async run(t: Tracked, command: AlertCommand): Promise<void> {
    if (this.stopped) return;
    for (let attempt = 1; ; attempt++) {
      const events = decideAlert(command, t.state, t.id, t.timing);
      if (events.length > 0) {
        if (this.deps.mayWrite && !this.deps.mayWrite()) {
          this.deps.logger.warn(
            { fingerprint: t.id.fingerprint, rule: t.id.ruleId },
            'lease ran out: transition left to the evaluator that holds it',
          );
          return;
        }
        try {
          const written = await this.deps.store.append(t.id.fingerprint, events, t.lastSeq, meta(t, command));
          for (const e of written.events) t.state = evolveAlert(t.state, e);
          t.lastSeq = written.lastSeq;
        } catch (e) {
          if (!(e instanceof ConcurrencyError) || attempt >= 3) throw e;
          // Another writer moved the alert: decide again on what the store holds.
          const stored = await this.deps.store.read(t.id.fingerprint);
          t.state = stored.events.reduce(evolveAlert, initialAlertState());
          t.lastSeq = stored.lastSeq;
          continue;
        }
      }
      break;
    }
    t.state = observeAlert(t.state, command);
    // A step queued behind the one that ended the alert (a rule re-evaluated after a change) brings it back.
    if (t.state.status === 'inactive') {
      if (this.alerts.get(t.id.fingerprint) === t) {
        this.alerts.delete(t.id.fingerprint);
        this.perRule.add(t.id.ruleId, -1);
      }
    } else if (!this.alerts.has(t.id.fingerprint)) this.hold(t);
  }

  /** Sets the one timer to the earliest deadline. */
  private schedule(): void {
    if (this.stopped) return;
    let next = Infinity;
    for (const t of this.alerts.values()) next = Math.min(next, nextDeadline(t.state, t.timing) ?? Infinity);
    if (next !== this.timerAt) this.setTimer(next);
  }

  private setTimer(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - this.clock()));
  }

  /** Ticks the alerts that are due; each step sets the timer again once it is done. */
  private fire(): void {
    this.timerAt = Infinity;
    const now = this.clock();
    let later = Infinity;
    for (const t of this.alerts.values()) {
      const due = nextDeadline(t.state, t.timing);
      if (due === undefined) continue;
      if (due <= now) void this.step(t, { type: 'Tick', at: now, annotations: t.annotations });
      else later = Math.min(later, due);
    }
    // The alerts not due yet; each step ticked sets the timer earlier if its alert's next deadline is.
    if (!this.stopped) this.setTimer(later);
  }
}

function meta(t: Tracked, command: AlertCommand): EventMeta {
  return { correlationId: `alert:${t.id.fingerprint}:${command.at}`, causationId: null, actor: 'service:alert-svc' };
}
