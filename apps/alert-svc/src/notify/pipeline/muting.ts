import { type InhibitRule, type MaintenanceWindowEvent, WindowSchedule } from '@vigil/contracts';
import type { ActiveSilence } from '../../silences/silences.read-model';
import { alertMatches } from './routing';

export type MuteReason =
  | { by: 'silence'; silenceId: string }
  | { by: 'inhibition'; rule: number }
  /** `window`: a maintenance window selecting the node (else the node's own maintenance). */
  | { by: 'maintenance'; node: string; window?: string };

type Labels = Readonly<Record<string, string>>;

/**
 * What keeps a firing alert from being notified: a silence matching it, a firing alert that
 * inhibits it, or its node being in maintenance (its own, or an active maintenance window whose
 * matchers select the node's registered labels). The inhibiting alerts are kept indexed by the
 * values of each rule's `equal` labels, so a check costs one lookup per rule.
 */
export class Muting {
  private silences: ActiveSilence[] = [];
  /** Nodes in maintenance, to when (Infinity: until ended). */
  private readonly maintenance = new Map<string, number>();
  /** The maintenance windows, and the labels each node registered with (what the windows select). */
  private readonly windows = new WindowSchedule();
  private readonly nodeLabels = new Map<string, Labels>();
  /** Per inhibition rule: `equal` values → fingerprints of firing source alerts. */
  private readonly sources: Map<string, Set<string>>[];

  constructor(private readonly inhibitRules: readonly InhibitRule[]) {
    this.sources = inhibitRules.map(() => new Map());
  }

  setSilences(silences: readonly ActiveSilence[]): void {
    this.silences = [...silences];
  }

  /** A node in maintenance until `until` (Unix ms; Infinity: until ended), or out of it (`false`). */
  setMaintenance(node: string, until: number | false): void {
    if (until === false) this.maintenance.delete(node);
    else this.maintenance.set(node, until);
  }

  /** A node's registered labels (node events), which maintenance windows select it by. */
  setNodeLabels(node: string, labels: Labels): void {
    this.nodeLabels.set(node, labels);
  }

  /** A maintenance window scheduled or cancelled. */
  applyWindow(event: MaintenanceWindowEvent, now: number): void {
    this.windows.apply(event);
    this.windows.prune(now);
  }

  nodesInMaintenance(now: number): string[] {
    const nodes = new Set([...this.maintenance].filter(([, until]) => now < until).map(([node]) => node));
    for (const [node, labels] of this.nodeLabels) if (this.windowOf(node, labels, now)) nodes.add(node);
    return [...nodes];
  }

  private windowOf(node: string, labels: Labels | undefined, now: number): string | undefined {
    if (this.windows.size === 0) return undefined;
    return this.windows.holding(node, labels ?? {}, now)[0]?.id;
  }

  /** Follows an alert's firing state; true when it can inhibit others (a source of some rule). */
  trackSource(fingerprint: string, labels: Labels, firing: boolean): boolean {
    let isSource = false;
    this.inhibitRules.forEach((rule, i) => {
      if (!alertMatches(rule.source, labels)) return;
      isSource = true;
      const key = equalKey(rule.equal, labels);
      const index = this.sources[i];
      let set = index.get(key);
      if (firing) {
        if (!set) index.set(key, (set = new Set()));
        set.add(fingerprint);
      } else if (set) {
        set.delete(fingerprint);
        if (set.size === 0) index.delete(key);
      }
    });
    return isSource;
  }

  mutedBy(fingerprint: string, labels: Labels, now: number): MuteReason | undefined {
    const node = labels.node;
    const until = node === undefined ? undefined : this.maintenance.get(node);
    if (node !== undefined && until !== undefined && now < until) return { by: 'maintenance', node };
    const window = node === undefined ? undefined : this.windowOf(node, this.nodeLabels.get(node), now);
    if (node !== undefined && window !== undefined) return { by: 'maintenance', node, window };
    for (const s of this.silences) {
      if (s.startsAt <= now && now < s.endsAt && alertMatches(s.matchers, labels))
        return { by: 'silence', silenceId: s.id };
    }
    for (const [i, rule] of this.inhibitRules.entries()) {
      if (!alertMatches(rule.target, labels)) continue;
      const set = this.sources[i].get(equalKey(rule.equal, labels));
      // An alert matching both sides does not mute itself.
      if (set && (set.size > 1 || !set.has(fingerprint))) return { by: 'inhibition', rule: i };
    }
    return undefined;
  }

  /**
   * The next instant after `now` a silence starts or ends, a maintenance ends or a maintenance
   * window starts or stops (when muting changes by itself).
   */
  nextBoundary(now: number): number | undefined {
    let next: number | undefined;
    const consider = (t: number) => {
      if (t > now && Number.isFinite(t) && (next === undefined || t < next)) next = t;
    };
    for (const s of this.silences) {
      consider(s.startsAt);
      consider(s.endsAt);
    }
    for (const until of this.maintenance.values()) consider(until);
    const window = this.windows.nextBoundary(now);
    if (window !== undefined) consider(window);
    return next;
  }
}

function equalKey(names: readonly string[], labels: Labels): string {
  return JSON.stringify(names.map((n) => labels[n] ?? ''));
}
