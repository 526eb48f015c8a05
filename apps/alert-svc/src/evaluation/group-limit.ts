import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';

/** What holds one entry per group of a rule: the silence groups (absent, missing) or the alerts themselves. */
export type GroupHolder = 'silence_groups' | 'alerts';

/**
 * The most groups one rule holds in an evaluator (`VIGIL_ALERT_MAX_GROUPS_PER_RULE`): one group
 * per label value set agents send, so without a bound a million distinct label values would be a
 * million entries. A group past it is refused (never an entry already held: an alert that fires
 * keeps firing), counted and logged.
 */
export interface GroupLimit {
  maxPerRule: number;
  /** A new group of `ruleId` was refused. */
  refused(ruleId: string, holder: GroupHolder): void;
}

/** VIGIL_ALERT_MAX_GROUPS_PER_RULE when not set. */
export const DEFAULT_MAX_GROUPS_PER_RULE = 10_000;

/** A limit whose refusals go unreported (tests of other things). */
export const quietGroupLimit = (maxPerRule = DEFAULT_MAX_GROUPS_PER_RULE): GroupLimit => ({
  maxPerRule,
  refused: () => undefined,
});

/** How often a rule's refusals are logged at most (each line says how many since the last one). */
export const LIMITED_LOG_INTERVAL_MS = 60_000;

/**
 * A GroupLimit that counts refusals in `vigil_alert_groups_limited_total{rule,holder}` and logs
 * them once per rule and holder every LIMITED_LOG_INTERVAL_MS at most (rules are few: an operator
 * writes them, so neither the label values nor the log state grow with what agents send).
 */
export function reportedGroupLimit(
  maxPerRule: number,
  registry: Registry,
  logger: Logger,
  clock: () => number = Date.now,
): GroupLimit {
  const counter =
    (registry.getSingleMetric('vigil_alert_groups_limited_total') as Counter<'rule' | 'holder'> | undefined) ??
    new Counter({
      name: 'vigil_alert_groups_limited_total',
      help: 'New alert groups refused because their rule holds VIGIL_ALERT_MAX_GROUPS_PER_RULE already',
      labelNames: ['rule', 'holder'],
      registers: [registry],
    });
  const logged = new Map<string, { at: number; since: number }>();
  return {
    maxPerRule,
    refused(ruleId, holder) {
      counter.inc({ rule: ruleId, holder });
      const key = `${ruleId}\n${holder}`;
      const now = clock();
      const l = logged.get(key);
      if (l && now - l.at < LIMITED_LOG_INTERVAL_MS) {
        l.since++;
        return;
      }
      logger.warn(
        { rule: ruleId, holder, maxPerRule, refused: (l?.since ?? 0) + 1 },
        'alert groups limited: new groups of this rule are refused',
      );
      logged.set(key, { at: now, since: 0 });
    },
  };
}

/** Counts entries per rule, for a GroupLimit. */
export class PerRuleCount {
  private readonly counts = new Map<string, number>();

  get(ruleId: string): number {
    return this.counts.get(ruleId) ?? 0;
  }

  add(ruleId: string, n = 1): void {
    const left = this.get(ruleId) + n;
    if (left > 0) this.counts.set(ruleId, left);
    else this.counts.delete(ruleId);
  }
}
