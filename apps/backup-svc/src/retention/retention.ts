import type { Retention } from '@vigil/contracts';

export interface KeptBackup {
  runId: string;
  /** When the backup finished (Unix ms). */
  finishedAt: number;
  /** Its last restore drill passed. */
  verified: boolean;
}

export interface RetentionDecision {
  keep: { runId: string; why: string[] }[];
  prune: { runId: string; why: string }[];
}

/**
 * Which of a job's published backups to keep (the grandfather-father-son rule of restic and
 * Borg): the newest `keepLast`; for each of the last `daily` days (`weekly` ISO weeks,
 * `monthly` months) that has backups, in the job's time zone, its newest. On top of that two
 * guarantees: the newest verified backup is always kept, and a backup is pruned only when a
 * newer one verified (so an unverified chain is never thinned out).
 */
export function decideRetention(
  backups: readonly KeptBackup[],
  retention: Retention,
  timeZone: string,
): RetentionDecision {
  const newestFirst = [...backups].sort((a, b) => b.finishedAt - a.finishedAt || (a.runId < b.runId ? 1 : -1));
  const why = new Map<string, string[]>();
  const mark = (runId: string, reason: string) => {
    const list = why.get(runId) ?? [];
    list.push(reason);
    why.set(runId, list);
  };
  newestFirst.slice(0, Math.max(2, retention.keepLast)).forEach((b) => mark(b.runId, 'last'));
  const calendar = calendarOf(timeZone);
  const tiers: [keyof Retention, (t: number) => string][] = [
    ['daily', calendar.day],
    ['weekly', calendar.week],
    ['monthly', calendar.month],
  ];
  for (const [tier, period] of tiers) {
    const seen = new Set<string>();
    for (const b of newestFirst) {
      if (seen.size >= retention[tier]) break;
      const p = period(b.finishedAt);
      if (seen.has(p)) continue;
      seen.add(p);
      mark(b.runId, tier);
    }
  }
  const newestVerified = newestFirst.find((b) => b.verified);
  if (newestVerified) mark(newestVerified.runId, 'newest verified');

  const decision: RetentionDecision = { keep: [], prune: [] };
  for (const b of newestFirst) {
    const reasons = why.get(b.runId);
    if (reasons) decision.keep.push({ runId: b.runId, why: reasons });
    else if (!newestVerified || newestVerified.finishedAt <= b.finishedAt)
      decision.keep.push({ runId: b.runId, why: ['no newer backup verified yet'] });
    else decision.prune.push({ runId: b.runId, why: 'outside the retention policy, and a newer backup verified' });
  }
  return decision;
}

/** Day, ISO week and month keys of an instant in `timeZone`. */
function calendarOf(timeZone: string) {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const parts = (t: number) => {
    const p = Object.fromEntries(format.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return { y: Number(p.year), m: Number(p.month), d: Number(p.day) };
  };
  return {
    day: (t: number) => {
      const { y, m, d } = parts(t);
      return `${y}-${m}-${d}`;
    },
    month: (t: number) => {
      const { y, m } = parts(t);
      return `${y}-${m}`;
    },
    week: (t: number) => {
      const { y, m, d } = parts(t);
      return isoWeek(y, m, d);
    },
  };
}

/** `2026-W49`: the ISO 8601 week of a calendar date. */
export function isoWeek(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
