import {
  type AlertEvent,
  type AlertRule,
  type BackupEvent,
  labelsKey,
  NODE_LABEL,
  type NodeEvent,
  PREVIEW_MAX_INSTANCES,
  type PreviewInstance,
  type PreviewRuleReply,
  type SampleBatch,
} from '@vigil/contracts';
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
import { renderAnnotations } from '../domain/rule/templates';
import { AbsentEvaluator } from './absent.evaluator';
import { timingOf } from './alert-evaluation';
import type { Condition } from './condition';
import { EventEvaluator } from './event.evaluator';
import { quietGroupLimit } from './group-limit';
import { MissingEvaluator } from './missing.evaluator';
import { OfflineEvaluator } from './offline.evaluator';
import { ThresholdEvaluator } from './threshold.evaluator';

/**
 * What a preview reads: the shared stores every replica can read (the TELEMETRY stream's
 * samples, the EVENTS stream's node and backup events), not the evaluator's memory. Each
 * read stops once `running()` is false, and returns how many batches or events it read.
 */
export interface PreviewSources {
  /** The sample batches received since `since` (Unix ms), each with when the stream stored it. */
  samples(
    since: number,
    see: (batch: SampleBatch, receivedAt: number) => void,
    running: () => boolean,
  ): Promise<number>;
  /** The whole history of the node events (registry-svc's). */
  nodeEvents(see: (event: NodeEvent) => void, running: () => boolean): Promise<PreviewRead>;
  /** The whole history of the backup events. */
  backupEvents(see: (event: BackupEvent) => void, running: () => boolean): Promise<PreviewRead>;
}

/** An event history read: how many events, and whether it reached the end of the history. */
export interface PreviewRead {
  read: number;
  complete: boolean;
}

export interface PreviewLimits {
  /** The whole preview's time: the reads stop there and what they found is evaluated. */
  budgetMs: number;
  /** Samples are read back this far at most (a longer `for` or window is cut). */
  maxLookbackMs: number;
  /** Read beyond a threshold rule's `for` and window, an absent rule's `for`: the series' last samples. */
  sampleMarginMs: number;
  /** Alerts (and absent/missing groups) of the rule held at most; past it the answer is incomplete. */
  maxAlerts: number;
  /** Samples the threshold windows hold together at most. */
  maxWindowSamples: number;
}

export const DEFAULT_PREVIEW_LIMITS: PreviewLimits = {
  budgetMs: 3000,
  maxLookbackMs: 15 * 60_000,
  sampleMarginMs: 60_000,
  maxAlerts: 10_000,
  maxWindowSamples: 500_000,
};

/**
 * Which alerts one rule (proposed, not saved) would have now: the rule's own evaluator (the
 * live evaluation's classes, on a fresh instance holding only this rule) is fed what the shared
 * stores hold, and each condition it reports goes through the alert decider the live machine
 * uses, so `for`, `keep_firing_for` and staleness come out as they would have had the rule
 * existed. Threshold and absent rules read the samples received within their `for` and window
 * plus a margin (at most `maxLookbackMs`); offline, event and missing rules the whole history
 * of their events, as the evaluator does when it starts. The clock is the caller's.
 */
export async function previewRule(
  proposed: AlertRule,
  sources: PreviewSources,
  clock: () => number,
  limits: PreviewLimits = DEFAULT_PREVIEW_LIMITS,
): Promise<PreviewRuleReply> {
  // A disabled rule evaluates nothing live; the preview shows what it would do once enabled.
  const rule = { ...proposed, enabled: true } as AlertRule;
  const deadline = clock() + limits.budgetMs;
  const running = () => clock() < deadline;
  const timing = timingOf(rule);
  const fold = new AlertFold(rule.id, timing, limits.maxAlerts);
  const sink = (c: Condition) => fold.see(c);
  let read = 0;
  let complete = true;
  let readFrom: number | null = null;

  const readSamples = async (wanted: number, see: (batch: SampleBatch, receivedAt: number) => void) => {
    const lookback = Math.min(wanted, limits.maxLookbackMs);
    if (lookback < wanted) complete = false;
    readFrom = clock() - lookback;
    read = await sources.samples(readFrom, see, running);
    if (!running()) complete = false;
  };
  const readEvents = async (reading: Promise<PreviewRead>) => {
    const r = await reading;
    if (!r.complete) complete = false;
    return r.read;
  };

  switch (rule.kind) {
    case 'threshold': {
      const evaluator = new ThresholdEvaluator(limits.maxAlerts, undefined, { maxSamples: limits.maxWindowSamples });
      evaluator.setRules([rule]);
      await readSamples(rule.for + (rule.window?.duration ?? 0) + limits.sampleMarginMs, (batch) => {
        for (const o of evaluator.evaluate(batch)) fold.see(o);
      });
      break;
    }
    case 'absent': {
      const evaluator = new AbsentEvaluator(sink, clock, quietGroupLimit(limits.maxAlerts));
      evaluator.setRules([rule]);
      await readSamples(rule.for + limits.sampleMarginMs, (batch, receivedAt) => evaluator.see(batch, receivedAt));
      await settle(evaluator);
      break;
    }
    case 'offline': {
      const evaluator = new OfflineEvaluator(sink);
      evaluator.setRules([rule]);
      read = await readEvents(sources.nodeEvents((e) => evaluator.see(e), running));
      await settle(evaluator);
      break;
    }
    case 'event': {
      const evaluator = new EventEvaluator(sink);
      evaluator.setRules([rule]);
      read = await readEvents(sources.backupEvents((e) => evaluator.see(e), running));
      await settle(evaluator);
      break;
    }
    case 'missing': {
      const evaluator = new MissingEvaluator(sink, clock, quietGroupLimit(limits.maxAlerts));
      evaluator.setRules([rule]);
      read = await readEvents(sources.backupEvents((e) => evaluator.see(e), running));
      await settle(evaluator);
      break;
    }
    default: {
      const never: never = rule;
      return never;
    }
  }

  const now = clock();
  const alerts = fold.activeAt(now, timing.staleMs);
  if (fold.overflowed) complete = false;
  const firing = alerts.filter((a) => a.state.status === 'firing').length;
  return {
    instances: alerts.slice(0, PREVIEW_MAX_INSTANCES).map((a) => instanceOf(rule, a)),
    total: alerts.length,
    firing,
    pending: alerts.length - firing,
    evaluatedAt: new Date(now).toISOString(),
    readFrom: readFrom === null ? null : new Date(readFrom).toISOString(),
    complete,
    read,
  };
}

/**
 * Goes live (the evaluator reports each group as it stands) and lets the deadlines already
 * passed go off (they are timers of 0 ms, armed by going live), then stops the evaluator.
 */
async function settle(evaluator: { goLive(): void; stop(): void }): Promise<void> {
  evaluator.goLive();
  await new Promise((r) => setTimeout(r, 5));
  evaluator.stop();
}

interface Folded {
  id: AlertIdentity;
  state: AlertState;
  /** The last condition's time (a threshold alert not observed for STALE_MS ends). */
  lastAt: number;
}

type ActiveState = Exclude<AlertState, { status: 'inactive' }>;

/**
 * Each alert's state as the live AlertMachine would hold it, folded from the conditions in the
 * order they were found: the decider's events, then what is not an event (observeAlert); a
 * deadline passed before a condition is ticked at the deadline, as the machine's timer does.
 */
class AlertFold {
  private readonly alerts = new Map<string, Folded>();
  overflowed = false;

  constructor(
    private readonly ruleId: string,
    private readonly timing: AlertTiming,
    private readonly maxAlerts: number,
  ) {}

  see(c: Pick<Condition, 'fingerprint' | 'labels' | 'at' | 'holds' | 'value'>): void {
    let a = this.alerts.get(c.fingerprint);
    if (!a) {
      // An alert that is not active stays so while its condition does not hold.
      if (!c.holds) return;
      if (this.alerts.size >= this.maxAlerts) {
        this.overflowed = true;
        return;
      }
      a = {
        id: { ruleId: this.ruleId, fingerprint: c.fingerprint, labels: c.labels },
        state: initialAlertState(),
        lastAt: c.at,
      };
      this.alerts.set(c.fingerprint, a);
    }
    this.tickUntil(a, c.at);
    this.step(a, { type: 'Observe', at: c.at, holds: c.holds, value: c.value, annotations: {} });
    a.lastAt = Math.max(a.lastAt, c.at);
    if (a.state.status === 'inactive') this.alerts.delete(c.fingerprint);
  }

  /** The alerts active at `now` (those not observed for `staleMs` ended), firing first, then the longest held. */
  activeAt(now: number, staleMs?: number): (Folded & { state: ActiveState })[] {
    const out: (Folded & { state: ActiveState })[] = [];
    for (const a of this.alerts.values()) {
      this.tickUntil(a, now);
      if (a.state.status === 'inactive') continue;
      if (staleMs !== undefined && now - a.lastAt > staleMs) continue;
      out.push(a as Folded & { state: ActiveState });
    }
    const rank = (s: ActiveState) => (s.status === 'firing' ? 0 : 1);
    return out.sort(
      (x, y) =>
        rank(x.state) - rank(y.state) ||
        x.state.activeAt - y.state.activeAt ||
        labelsKey(x.id.labels).localeCompare(labelsKey(y.id.labels)),
    );
  }

  private tickUntil(a: Folded, at: number): void {
    const due = nextDeadline(a.state, this.timing);
    if (due !== undefined && due <= at) this.step(a, { type: 'Tick', at: due, annotations: {} });
  }

  private step(a: Folded, command: AlertCommand): void {
    const events = decideAlert(command, a.state, a.id, this.timing);
    // evolveAlert reads an event's `type` and `data` only: nothing is stored, so no envelope is made.
    a.state = observeAlert(
      events.reduce((s, e) => evolveAlert(s, e as AlertEvent), a.state),
      command,
    );
  }
}

function instanceOf(rule: AlertRule, a: Folded & { state: ActiveState }): PreviewInstance {
  const { labels } = a.id;
  const value = a.state.value;
  return {
    fingerprint: a.id.fingerprint,
    labels,
    ...(labels[NODE_LABEL] !== undefined && { node: labels[NODE_LABEL] }),
    state: a.state.status,
    value,
    activeAt: new Date(a.state.activeAt).toISOString(),
    ...(a.state.status === 'pending' && { firesAt: new Date(a.state.firesAt).toISOString() }),
    annotations: renderAnnotations(rule.annotations, { labels, value: value ?? undefined, node: labels[NODE_LABEL] }),
  };
}
