import { type Tier, TIER_MS } from '@vigil/contracts';

/** The statistics a value over a whole range (top-k) is ranked by. */
export type RangeStat = 'avg' | 'min' | 'max' | 'last';

/**
 * One bucket's partials for every series of a selection, by position in the selection's
 * sorted ids: avg keeps sum and count, min and max the value, last the value and its time.
 * A series without a row in the bucket holds the neutral partial.
 */
export interface BucketPartials {
  a: Float64Array;
  b: Float64Array;
}

interface RangeFold {
  /** The partial of a series without rows. */
  neutral: [number, number];
  /** Folds (a, b) into position i of acc. */
  fold(acc: BucketPartials, i: number, a: number, b: number): void;
  value(a: number, b: number): number | undefined;
}

export const RANGE_FOLDS: Record<RangeStat, RangeFold> = {
  avg: {
    neutral: [0, 0],
    fold: (acc, i, a, b) => {
      acc.a[i] += a;
      acc.b[i] += b;
    },
    value: (a, b) => (b > 0 ? a / b : undefined),
  },
  min: {
    neutral: [Infinity, 0],
    fold: (acc, i, a) => {
      if (a < acc.a[i]) acc.a[i] = a;
    },
    value: (a) => (a === Infinity ? undefined : a),
  },
  max: {
    neutral: [-Infinity, 0],
    fold: (acc, i, a) => {
      if (a > acc.a[i]) acc.a[i] = a;
    },
    value: (a) => (a === -Infinity ? undefined : a),
  },
  last: {
    neutral: [0, -Infinity],
    fold: (acc, i, a, b) => {
      if (b > acc.b[i]) {
        acc.a[i] = a;
        acc.b[i] = b;
      }
    },
    value: (a, b) => (b === -Infinity ? undefined : a),
  },
};

export function neutralPartials(stat: RangeStat, n: number): BucketPartials {
  const [a, b] = RANGE_FOLDS[stat].neutral;
  return { a: new Float64Array(n).fill(a), b: new Float64Array(n).fill(b) };
}

/** Folds every position of `from` into `into` (both of one selection). */
export function foldPartials(stat: RangeStat, into: BucketPartials, from: BucketPartials): void {
  const { fold } = RANGE_FOLDS[stat];
  for (let i = 0; i < from.a.length; i++) fold(into, i, from.a[i], from.b[i]);
}

/** The k best positions of `acc` by value (desc: highest first), ties broken by the lower id. */
export function rankPartials(
  stat: RangeStat,
  acc: BucketPartials,
  ids: Int32Array,
  order: 'asc' | 'desc',
  k: number,
): { id: number; v: number }[] {
  const { value } = RANGE_FOLDS[stat];
  const ranked: { id: number; v: number }[] = [];
  for (let i = 0; i < ids.length; i++) {
    const v = value(acc.a[i], acc.b[i]);
    if (v !== undefined) ranked.push({ id: ids[i], v });
  }
  const sign = order === 'desc' ? -1 : 1;
  return ranked.sort((x, y) => sign * (x.v - y.v) || x.id - y.id).slice(0, k);
}

interface Stored extends BucketPartials {
  /** Positions whose partial is not known yet (series that joined the selection after the bucket was read). */
  missing?: Int32Array;
  used: number;
}

/** One selection (metric, matchers, nodes, statistic): its series and the closed buckets read for them. */
export class CachedSelection {
  readonly position: Map<number, number>;
  readonly buckets = new Map<string, Stored>();

  constructor(
    readonly key: string,
    readonly stat: RangeStat,
    /** Sorted ascending. */
    readonly ids: Int32Array,
  ) {
    this.position = new Map();
    for (let i = 0; i < ids.length; i++) this.position.set(ids[i], i);
  }

  get bytes(): number {
    return this.buckets.size * this.ids.length * 16;
  }
}

const bucketKey = (tier: Tier, bucket: number) => `${tier}:${bucket}`;

/** The finer tiers a coarse bucket can be folded from, the fewest buckets first. */
const DERIVED_FROM: Record<Tier, readonly Tier[]> = { '10s': [], '1m': ['10s'], '10m': ['1m'], '1h': ['10m', '1m'] };

/**
 * Closed buckets of top-k selections in memory, so a fleet-wide top-k over a moving range
 * reads from Postgres only the buckets it has not seen (the newest ones, and those the range's
 * edges have just entered) instead of every bucket of every series each time.
 *
 * Only closed buckets are kept: a 10 s bucket every ingest partition has closed, a coarse
 * bucket its tier's rollup has passed. What changes a closed bucket afterwards (a late
 * sample, a delta into a rolled-up tier) increments a partition's `late_writes`; `sync`
 * drops everything when their sum is not the one the cache was filled under. Bounded by
 * bytes: the least recently used buckets go first.
 */
export class RangeCache {
  private revision: string | undefined;
  private readonly selections = new Map<string, CachedSelection>();
  private total = 0;
  /** Per selection, the minute boundary its buckets were last warmed for (see topk.query's prefetch). */
  private readonly warmed = new Map<string, number>();
  private pending: Promise<void> = Promise.resolve();
  hits = 0;
  misses = 0;
  /** Buckets read ahead of a minute boundary, before a query asked for them. */
  prefetched = 0;
  /** Coarse buckets folded from the finer ones held, without a read. */
  derived = 0;

  /**
   * @param prefetchLeadMs how long before a minute boundary a query warms the buckets the same
   *   query will need after it (0: never).
   */
  constructor(
    private readonly maxBytes: number,
    readonly prefetchLeadMs = 20_000,
  ) {}

  /** True once per selection and boundary: the caller warms it. */
  claimWarmUp(key: string, boundary: number): boolean {
    if (this.warmed.get(key) === boundary) return false;
    this.warmed.set(key, boundary);
    if (this.warmed.size > 1000) this.warmed.delete(this.warmed.keys().next().value as string);
    return true;
  }

  /** Runs `work` after the warm-ups before it (one at a time, never rejecting). */
  background(work: () => Promise<void>): void {
    this.pending = this.pending.then(work).catch(() => undefined);
  }

  /** Resolves once every background warm-up started so far has finished. */
  settled(): Promise<void> {
    return this.pending;
  }

  /** Whether `sel` is still the selection held for its key under `revision` (nothing dropped it since). */
  holds(sel: CachedSelection, revision: string): boolean {
    return this.revision === revision && this.selections.get(sel.key) === sel;
  }

  get bytes(): number {
    return this.total;
  }

  /** Drops every bucket held when the store's late-write revision is not the one they were read under. */
  sync(revision: string): void {
    if (revision === this.revision) return;
    this.selections.clear();
    this.total = 0;
    this.revision = revision;
  }

  /**
   * The selection under `key` for exactly these series (sorted ascending). When the series
   * changed, the buckets held are carried over for the series still in it; the new ones are
   * marked missing in each, to be read for them alone.
   */
  selection(key: string, stat: RangeStat, ids: Int32Array): CachedSelection {
    const held = this.selections.get(key);
    if (held && sameIds(held.ids, ids)) return held;
    const next = new CachedSelection(key, stat, ids);
    if (held) {
      this.total -= held.bytes;
      for (const [bk, old] of held.buckets) {
        // Neutral where unknown: a missing series folds as one without rows until it is read.
        const s: Stored = { ...neutralPartials(stat, ids.length), used: old.used };
        const missing: number[] = [];
        const oldMissing = new Set(old.missing ?? []);
        for (let i = 0; i < ids.length; i++) {
          const from = held.position.get(ids[i]);
          if (from === undefined || oldMissing.has(from)) {
            missing.push(i);
          } else {
            s.a[i] = old.a[from];
            s.b[i] = old.b[from];
          }
        }
        if (missing.length > 0) s.missing = Int32Array.from(missing);
        next.buckets.set(bk, s);
      }
      this.total += next.bytes;
    }
    this.selections.set(key, next);
    return next;
  }

  get(
    sel: CachedSelection,
    tier: Tier,
    bucket: number,
    now: number,
  ): (BucketPartials & { missing?: Int32Array }) | undefined {
    const s = sel.buckets.get(bucketKey(tier, bucket));
    if (s) s.used = now;
    return s;
  }

  put(sel: CachedSelection, tier: Tier, bucket: number, partials: BucketPartials, now: number): void {
    const key = bucketKey(tier, bucket);
    const had = sel.buckets.get(key);
    sel.buckets.set(key, { a: partials.a, b: partials.b, used: now });
    if (!had) this.total += sel.ids.length * 16;
    this.evict();
  }

  /**
   * A closed coarse bucket folded from the finer buckets held for it, when every one of them
   * is held whole (none missing a series): a 1 min bucket from its six 10 s ones, a 10 min
   * one from ten 1 min ones, an hour from six 10 min or sixty 1 min ones. Exact, because the
   * rollup computes the coarse row from those very rows (TierRollup) and folding is
   * associative; a late write to either drops both (`sync`). So when the 1 min rollup passes
   * a minute, the query that now plans its 1 min bucket instead of its 10 s ones reads
   * nothing. Kept as the coarse bucket; undefined when a finer bucket is not held.
   */
  derive(
    sel: CachedSelection,
    tier: Tier,
    bucket: number,
    now: number,
  ): (BucketPartials & { missing?: Int32Array }) | undefined {
    const size = TIER_MS[tier];
    for (const finer of DERIVED_FROM[tier]) {
      const step = TIER_MS[finer];
      const parts: Stored[] = [];
      for (let b = bucket; b < bucket + size; b += step) {
        const s = sel.buckets.get(bucketKey(finer, b));
        if (!s || s.missing) break;
        parts.push(s);
      }
      if (parts.length !== size / step) continue;
      const out = neutralPartials(sel.stat, sel.ids.length);
      for (const s of parts) {
        foldPartials(sel.stat, out, s);
        s.used = now;
      }
      this.put(sel, tier, bucket, out, now);
      this.derived++;
      return out;
    }
    return undefined;
  }

  /** The series of a held bucket that were missing are now known. */
  complete(sel: CachedSelection, tier: Tier, bucket: number): void {
    const s = sel.buckets.get(bucketKey(tier, bucket));
    if (s) delete s.missing;
  }

  private evict(): void {
    while (this.total > this.maxBytes) {
      let oldest: { sel: CachedSelection; key: string; used: number } | undefined;
      for (const sel of this.selections.values()) {
        for (const [key, s] of sel.buckets) if (!oldest || s.used < oldest.used) oldest = { sel, key, used: s.used };
      }
      if (!oldest) return;
      oldest.sel.buckets.delete(oldest.key);
      this.total -= oldest.sel.ids.length * 16;
      if (oldest.sel.buckets.size === 0) this.selections.delete(oldest.sel.key);
    }
  }
}

function sameIds(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
