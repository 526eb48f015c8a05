import { Retention } from '@vigil/contracts';
import { decideRetention, isoWeek, type KeptBackup } from './retention';

const DAY = 86_400_000;
const start = Date.parse('2026-01-01T02:00:00Z');
/** One backup a day at 02:00 UTC for `days` days, the newest last; `verified` picks which passed a drill. */
const daily = (days: number, verified: (i: number) => boolean = () => true): KeptBackup[] =>
  Array.from({ length: days }, (_, i) => ({
    runId: `r${String(i).padStart(3, '0')}`,
    finishedAt: start + i * DAY,
    verified: verified(i),
  }));
const policy = (p: Partial<Retention>) => Retention.parse(p);

describe('retention', () => {
  it('keeps the newest 7 daily, 4 weekly and 12 monthly backups of a year of daily backups', () => {
    const backups = daily(365);
    const d = decideRetention(backups, policy({}), 'UTC');
    const kept = d.keep.map((k) => k.runId);
    // The 7 days are Dec 25-31; of the 4 weeks two end inside them (W53 and W52: Dec 27), two add
    // Dec 20 and Dec 13; of the 12 months December is inside, 11 add their last day.
    expect(kept).toHaveLength(7 + 2 + 11);
    expect(kept.slice(7, 9)).toEqual(['r353', 'r346']);
    expect(kept.slice(0, 7)).toEqual(['r364', 'r363', 'r362', 'r361', 'r360', 'r359', 'r358']);
    expect(d.keep[0].why).toEqual(['last', 'daily', 'weekly', 'monthly', 'newest verified']);
    expect(d.prune).toHaveLength(365 - kept.length);
    // The newest of each month is kept: 2026-11-30 (day 333) is January's 1st + 333 days.
    expect(kept).toContain('r333');
  });

  it('never keeps fewer than two, even when every tier is zero', () => {
    const d = decideRetention(daily(5), policy({ keepLast: 2, daily: 0, weekly: 0, monthly: 0 }), 'UTC');
    expect(d.keep.map((k) => k.runId)).toEqual(['r004', 'r003']);
    expect(d.prune.map((p) => p.runId)).toEqual(['r002', 'r001', 'r000']);
  });

  it('never prunes the newest verified backup, nor anything older than the newest verified one... unless a newer one verified', () => {
    // Only r001 ever passed a drill: it is kept; r000 is older than it and may go; the newer unverified ones stay.
    const d = decideRetention(
      daily(6, (i) => i === 1),
      policy({ keepLast: 2, daily: 0, weekly: 0, monthly: 0 }),
      'UTC',
    );
    expect(d.keep.map((k) => [k.runId, k.why[0]])).toEqual([
      ['r005', 'last'],
      ['r004', 'last'],
      ['r003', 'no newer backup verified yet'],
      ['r002', 'no newer backup verified yet'],
      ['r001', 'newest verified'],
    ]);
    expect(d.prune.map((p) => p.runId)).toEqual(['r000']);
    // Nothing verified at all: nothing is pruned.
    expect(
      decideRetention(
        daily(6, () => false),
        policy({ daily: 0, weekly: 0, monthly: 0 }),
        'UTC',
      ).prune,
    ).toEqual([]);
  });

  it('counts days in the job time zone', () => {
    // 23:30 and 00:30 UTC are two days in UTC, one in UTC+8 (07:30 and 08:30): four days of
    // backups in UTC, three in Shanghai, where keeping four days still prunes the older of that day.
    const backups = [
      { runId: 'a', finishedAt: Date.parse('2026-03-01T23:30:00Z'), verified: true },
      { runId: 'b', finishedAt: Date.parse('2026-03-02T00:30:00Z'), verified: true },
      { runId: 'c', finishedAt: Date.parse('2026-03-03T00:30:00Z'), verified: true },
      { runId: 'd', finishedAt: Date.parse('2026-03-04T00:30:00Z'), verified: true },
    ];
    const p = policy({ keepLast: 2, daily: 3, weekly: 0, monthly: 0 });
    const four = policy({ keepLast: 2, daily: 4, weekly: 0, monthly: 0 });
    expect(decideRetention(backups, four, 'UTC').prune).toEqual([]);
    expect(decideRetention(backups, p, 'UTC').prune.map((x) => x.runId)).toEqual(['a']);
    expect(decideRetention(backups, four, 'Asia/Shanghai').prune.map((x) => x.runId)).toEqual(['a']);
  });

  it('numbers ISO weeks as ISO 8601 does at year ends', () => {
    expect(isoWeek(2026, 12, 7)).toBe('2026-W50');
    expect(isoWeek(2027, 1, 1)).toBe('2026-W53');
    expect(isoWeek(2024, 12, 30)).toBe('2025-W01');
  });
});
