import { bucketStart, TIER_MS } from '@vigil/contracts';
import type { IngestBatch, KnownSeries } from './batch-decoder';

const BUCKET_MS = TIER_MS['10s'];

/** min, max, sum, count and last of one series in one bucket. */
export class Agg {
  min: number;
  max: number;
  sum: number;
  count = 1;
  last: number;
  lastAt: number;

  constructor(
    readonly bucket: number,
    value: number,
    at: number,
  ) {
    this.min = value;
    this.max = value;
    this.sum = value;
    this.last = value;
    this.lastAt = at;
  }

  add(value: number, at: number): void {
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sum += value;
    this.count++;
    // Ties keep the later arrival, as the upsert in Postgres does.
    if (at >= this.lastAt) {
      this.last = value;
      this.lastAt = at;
    }
  }

  merge(o: Agg): void {
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    this.sum += o.sum;
    this.count += o.count;
    if (o.lastAt >= this.lastAt) {
      this.last = o.last;
      this.lastAt = o.lastAt;
    }
  }

  copy(bucket = this.bucket): Agg {
    const c = new Agg(bucket, this.last, this.lastAt);
    c.min = this.min;
    c.max = this.max;
    c.sum = this.sum;
    c.count = this.count;
    return c;
  }
}

/** One (node, metric, labels) series as the ingest knows it. */
export class SeriesSlot {
  /** Postgres id; 0 until resolved. */
  id = 0;
  /** Aggregates of 10 s buckets not yet written to Postgres (usually one or two). */
  readonly pending: Agg[] = [];
  /** The series' most recent bucket as far as this ingest has seen it (for live views). */
  recent?: Agg;

  constructor(
    readonly nodeId: string,
    readonly metric: string,
    readonly labels: Record<string, string>,
    readonly labelsKey: string,
    /** The node's series of the same metric: the live view writes them together. */
    readonly group: LiveGroup,
  ) {
    group.slots.push(this);
  }
}

/** One node's series of one metric, as the live view stores them (one Redis field). */
export class LiveGroup {
  readonly slots: SeriesSlot[] = [];
  /** Changed since the last live-view write. */
  dirty = false;

  constructor(
    readonly nodeId: string,
    readonly metric: string,
  ) {}
}

/** The series a node sent last, in its batch's order, with their slots. */
interface NodeSeries {
  series: string;
  count: number;
  slots: SeriesSlot[];
  /** The live-view groups of these slots, each once. */
  groups: LiveGroup[];
  /** The newest bucket these slots were folded into, and each slot's aggregate of it. */
  bucket: number;
  aggs: Agg[];
}

/** A row for the 10 s tier: one series' aggregate in one bucket. */
export interface RollupRow {
  slot: SeriesSlot;
  agg: Agg;
}

/**
 * What one flush must make durable, taken from the state in one synchronous step so that
 * folding can go on while it is written.
 */
export interface FlushPlan {
  /** The last sequence read when the plan was taken. */
  processedSeq: number;
  resumeSeq: number;
  /** Every 10 s bucket ending at or before this (Unix ms) has been written. */
  closedThrough: number;
  rows: RollupRow[];
  /** Buckets written by this flush, with the last sequence they include. */
  flushed: { bucket: number; throughSeq: number }[];
}

/** What the live view must show since it was last written. */
export interface LiveUpdate {
  /** Groups of series whose latest value or newest bucket changed. */
  groups: LiveGroup[];
  /** Timestamps of the batches folded since (for the lag histogram). */
  batchTimestamps: number[];
}

export type FoldResult = 'folded' | 'replayed';

export interface StoredPosition {
  resumeSeq: number;
  /** Written buckets whose messages up to through_seq are in Postgres. */
  flushed: Map<number, number>;
}

/**
 * The in-memory state of one TELEMETRY partition between flushes.
 *
 * Messages are folded in stream order into per-series aggregates of 10 s buckets. A bucket
 * is written once the clock is past its end plus the grace; its messages with sequences up
 * to that moment are then in Postgres, which `flushed` records per bucket. A new owner
 * resumes reading before the first message of any bucket that was still only in memory,
 * and skips the messages a written bucket already includes: every sample is counted once,
 * whatever crashed when.
 */
export class PartitionState {
  private readonly series = new Map<string, SeriesSlot>();
  /** Per node, its last batch's series string and their slots by position. */
  private readonly nodes = new Map<string, NodeSeries>();
  private readonly withPending = new Set<SeriesSlot>();
  /** Live-view groups by node and metric. */
  private readonly groups = new Map<string, LiveGroup>();
  private dirty: LiveGroup[] = [];
  /** First and last sequence of each bucket with unwritten aggregates. */
  private readonly open = new Map<number, { minSeq: number; maxSeq: number }>();
  private readonly flushed: Map<number, number>;
  /** The last sequence read in this run (a replay starts it at the resume point). */
  private readSeq: number;
  private resumeSeq: number;
  private latestTimestamp = 0;
  private batchTimestamps: number[] = [];
  /** Buckets ending at or before this may have been taken by a plan (written, or being written). */
  private closedBefore = -Infinity;

  constructor(position: StoredPosition) {
    this.flushed = new Map(position.flushed);
    this.readSeq = position.resumeSeq;
    this.resumeSeq = position.resumeSeq;
  }

  /** The stream sequence to read from. */
  startSeq(): number {
    return this.resumeSeq + 1;
  }

  lastReadSeq(): number {
    return this.readSeq;
  }

  seriesCount(): number {
    return this.series.size;
  }

  /** Passes over a message that holds no samples to store (parked, or too old). */
  skip(seq: number): void {
    this.readSeq = seq;
  }

  /** The series string a node sent last (decodeIngestBatch does not decode it again). */
  readonly knownSeries: KnownSeries = (nodeId) => this.nodes.get(nodeId);

  fold(seq: number, batch: IngestBatch): FoldResult {
    const bucket = bucketStart('10s', batch.timestamp);
    const through = this.flushed.get(bucket);
    this.readSeq = seq;
    if (through !== undefined && seq <= through) return 'replayed';
    const at = batch.timestamp;
    const node = this.nodeOf(batch);
    const values = batch.values;
    if (bucket === node.bucket && bucket + BUCKET_MS > this.closedBefore) {
      // Most batches: the same series, in the bucket of the node's last batch, which no plan
      // has taken yet. Each slot's aggregate is at hand by position.
      const aggs = node.aggs;
      for (let i = 0; i < values.length; i++) aggs[i].add(values[i], at);
    } else {
      this.foldEach(node, bucket, values, at);
    }
    // Every series of the node changed: its live-view groups are due for writing.
    for (const group of node.groups) {
      if (!group.dirty) {
        group.dirty = true;
        this.dirty.push(group);
      }
    }
    const range = this.open.get(bucket);
    if (range) range.maxSeq = seq;
    else this.open.set(bucket, { minSeq: seq, maxSeq: seq });
    if (at > this.latestTimestamp) this.latestTimestamp = at;
    this.batchTimestamps.push(at);
    return 'folded';
  }

  /** Folds each value into its slot's aggregate of the bucket, creating what is missing. */
  private foldEach(node: NodeSeries, bucket: number, values: number[], at: number): void {
    const slots = node.slots;
    const aggs = new Array<Agg>(values.length);
    for (let i = 0; i < values.length; i++) {
      const slot = slots[i];
      const value = values[i];
      const pending = slot.pending;
      let agg: Agg | undefined;
      for (let j = 0; j < pending.length; j++) if (pending[j].bucket === bucket) agg = pending[j];
      if (agg) agg.add(value, at);
      else {
        agg = new Agg(bucket, value, at);
        pending.push(agg);
        this.withPending.add(slot);
      }
      aggs[i] = agg;
      // The live view shows the newest bucket's aggregate (a late delta of an already
      // written bucket only touches its value when nothing newer exists).
      const recent = slot.recent;
      if (recent === undefined || bucket >= recent.bucket) slot.recent = agg;
    }
    // A late batch leaves the node's newest bucket as it was.
    if (bucket >= node.bucket) {
      node.bucket = bucket;
      node.aggs = aggs;
    }
  }

  /**
   * The node's slots for the batch's series by position. Agents send the same series in the
   * same order tick after tick: then the node's slots are reused as they are, with no key built.
   */
  private nodeOf(batch: IngestBatch): NodeSeries {
    const known = this.nodes.get(batch.nodeId);
    const list = batch.list;
    if (!list) {
      if (known?.series !== batch.series)
        throw new Error(`batch of ${batch.nodeId} decoded against series this partition does not hold`);
      return known;
    }
    if (known?.series === batch.series) return known;
    const slots = new Array<SeriesSlot>(list.names.length);
    for (let i = 0; i < slots.length; i++) {
      const name = list.names[i];
      const lk = list.labelsKeys[i];
      const key = batch.nodeId + '\n' + name + '\n' + lk;
      let slot = this.series.get(key);
      if (!slot) {
        slot = new SeriesSlot(batch.nodeId, name, list.labels[i], lk, this.groupOf(batch.nodeId, name));
        this.series.set(key, slot);
      }
      slots[i] = slot;
    }
    const node: NodeSeries = {
      series: batch.series,
      count: slots.length,
      slots,
      groups: [...new Set(slots.map((s) => s.group))],
      bucket: -Infinity,
      aggs: [],
    };
    this.nodes.set(batch.nodeId, node);
    return node;
  }

  private groupOf(nodeId: string, metric: string): LiveGroup {
    const key = nodeId + '\n' + metric;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new LiveGroup(nodeId, metric)));
    return group;
  }

  /**
   * Takes everything due for writing at `now`: buckets ending at or before `now - graceMs`.
   * `caughtUp` says whether the reader has read everything in the stream; while it has
   * not, buckets (and the closed-through mark, which lets the coarser tiers roll up) also
   * wait for the data read to pass them, so a backlog is not merged in late.
   */
  plan(now: number, graceMs: number, caughtUp: boolean): FlushPlan {
    const wallClose = Math.floor((now - graceMs) / BUCKET_MS) * BUCKET_MS;
    // Reading a backlog, a bucket's later messages are still ahead in the stream: wait until
    // the data read has passed it too, so each bucket is written once rather than in pieces.
    const closeBefore = caughtUp
      ? wallClose
      : Math.min(wallClose, Math.floor((this.latestTimestamp - graceMs) / BUCKET_MS) * BUCKET_MS);
    if (closeBefore > this.closedBefore) this.closedBefore = closeBefore;
    const rows: RollupRow[] = [];
    // Most plans (every flush, a bucket lasts 10 s) close nothing: then the series are not visited.
    let closing = false;
    for (const bucket of this.open.keys()) if (bucket + BUCKET_MS <= closeBefore) closing = true;
    for (const slot of closing ? this.withPending : []) {
      let kept = 0;
      for (let i = 0; i < slot.pending.length; i++) {
        const agg = slot.pending[i];
        if (agg.bucket + BUCKET_MS <= closeBefore) rows.push({ slot, agg });
        else slot.pending[kept++] = agg;
      }
      slot.pending.length = kept;
      if (kept === 0) this.withPending.delete(slot);
    }
    const flushed: FlushPlan['flushed'] = [];
    let resume = this.readSeq;
    for (const [bucket, range] of this.open) {
      if (bucket + BUCKET_MS <= closeBefore) {
        this.open.delete(bucket);
        // Everything of this bucket read so far is in this write; what comes later is late.
        flushed.push({ bucket, throughSeq: this.readSeq });
        this.flushed.set(bucket, this.readSeq);
      } else if (range.minSeq - 1 < resume) {
        resume = range.minSeq - 1;
      }
    }
    for (const [bucket, through] of this.flushed) if (through <= resume) this.flushed.delete(bucket);
    const closedThrough = closeBefore;
    const plan: FlushPlan = {
      processedSeq: this.readSeq,
      resumeSeq: resume,
      closedThrough: Math.max(0, closedThrough),
      rows,
      flushed,
    };
    return plan;
  }

  /** Takes the live view's changes (written to Redis independently of the rollups). */
  takeLive(): LiveUpdate {
    const update = { groups: this.dirty, batchTimestamps: this.batchTimestamps };
    for (const group of this.dirty) group.dirty = false;
    this.dirty = [];
    this.batchTimestamps = [];
    return update;
  }

  /** The plan is durable: the next one must find the position it wrote. */
  committed(plan: FlushPlan): void {
    this.resumeSeq = plan.resumeSeq;
  }

  /** Writes still owed to Postgres (buckets with unwritten aggregates). */
  hasPending(): boolean {
    return this.withPending.size > 0;
  }
}
