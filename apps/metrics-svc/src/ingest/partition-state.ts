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
  /** In its node's last series list. */
  current = true;
  /** Clock time (ms) its node last sent it, set when the node's list stops naming it. */
  seenAt = 0;
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

/** Why a series was not taken in: the cardinality limits of the ingest. */
export type CardinalityLimit = 'series_per_node' | 'series_per_metric' | 'series_in_memory';

export interface CardinalityLimits {
  /** Distinct series one node may hold in memory (Prometheus' `sample_limit`, kept across batches). */
  perNode: number;
  /** This partition's share of the distinct series one metric may hold across the fleet. */
  perMetric: number;
  /**
   * A node silent this long is forgotten with its series, and a series its node stopped
   * sending this long ago is forgotten (both only once their buckets are written).
   */
  idleMs: number;
  /** Series and nodes held by every partition of this replica, and their ceiling. */
  held: () => number;
  maxHeld: number;
}

const UNLIMITED: CardinalityLimits = {
  perNode: Infinity,
  perMetric: Infinity,
  idleMs: Infinity,
  held: () => 0,
  maxHeld: Infinity,
};

export interface PartitionStateOptions {
  limits?: Partial<CardinalityLimits>;
  clock?: () => number;
  /** Samples of a batch not stored because their series is over a limit (called per batch). */
  onLimited?: (nodeId: string, limit: CardinalityLimit, samples: number) => void;
  /** Series and nodes forgotten as idle. */
  onEvicted?: (what: 'series' | 'node', n: number) => void;
}

/** The series a node sent last, in its batch's order, with their slots. */
interface NodeSeries {
  nodeId: string;
  series: string;
  count: number;
  /** By position; undefined where the series is over a limit (its values go to the sink). */
  slots: (SeriesSlot | undefined)[];
  /** Slots of `slots` that are defined (distinct or not). */
  kept: number;
  /** The live-view groups of these slots, each once. */
  groups: LiveGroup[];
  /** The newest bucket these slots were folded into, and each slot's aggregate of it. */
  bucket: number;
  aggs: Agg[];
  /** Every series of this node in memory, by `metric \n labelsKey`. */
  held: Map<string, SeriesSlot>;
  /** Its live-view groups by metric. */
  liveGroups: Map<string, LiveGroup>;
  /** Clock time (ms) of its last batch, and of the last look for its stale series. */
  seenAt: number;
  sweptAt: number;
  /** Positions of `series` over each limit (their samples are dropped batch after batch). */
  dropped?: Partial<Record<CardinalityLimit, number>>;
  droppedTotal: number;
  /** Not kept: the replica holds as many series and nodes as it may. */
  transient?: boolean;
}

/** A series string no batch can carry (it fails the contract): the node's next batch is decoded afresh. */
const NO_SERIES = '\u0000';

/** Copies a string so that it does not keep the batch text it was cut from alive. */
const own = (s: string) => (s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8'));

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
  /**
   * Timestamps of the batches folded since that no reading had shown before (for the lag
   * histogram); a batch read again after a rewind or a takeover is counted in `reread`.
   */
  batchTimestamps: number[];
  reread: number;
  /** The last sequence folded when the update was taken: the view shows everything up to it once written. */
  throughSeq: number;
  /** Node and metric pairs whose every series was forgotten since: their live-view fields go. */
  gone: LiveGone[];
}

/** A node's live-view field of one metric that holds nothing any more. */
export interface LiveGone {
  nodeId: string;
  metric: string;
}

export type FoldResult = 'folded' | 'replayed';

export interface StoredPosition {
  resumeSeq: number;
  /**
   * The last message an earlier reading had folded (and so shown in the live view): at least
   * the stored processed_seq, more if this process had shown more before a rewind.
   */
  shownThrough?: number;
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
  /** Per node, its last batch's series string, their slots by position, and all its series in memory. */
  private readonly nodes = new Map<string, NodeSeries>();
  /** Series held, and per metric (for its limit). */
  private heldSeries = 0;
  private readonly perMetric = new Map<string, number>();
  private readonly withPending = new Set<SeriesSlot>();
  private dirty: LiveGroup[] = [];
  private liveGone: LiveGone[] = [];
  /** Takes the values of series over a limit (never written). */
  private readonly sink = new Agg(0, 0, 0);
  private readonly limits: CardinalityLimits;
  private readonly clock: () => number;
  private lastSweep = 0;
  /** Samples of the last folded batch dropped by a cardinality limit. */
  lastDropped = 0;
  /** First and last sequence of each bucket with unwritten aggregates. */
  private readonly open = new Map<number, { minSeq: number; maxSeq: number }>();
  private readonly flushed: Map<number, number>;
  /** The last sequence read in this run (a replay starts it at the resume point). */
  private readSeq: number;
  private resumeSeq: number;
  private latestTimestamp = 0;
  private batchTimestamps: number[] = [];
  private reread = 0;
  private readonly shownThrough: number;
  /** Buckets ending at or before this may have been taken by a plan (written, or being written). */
  private closedBefore = -Infinity;

  constructor(
    position: StoredPosition,
    private readonly opts: PartitionStateOptions = {},
  ) {
    this.flushed = new Map(position.flushed);
    this.readSeq = position.resumeSeq;
    this.resumeSeq = position.resumeSeq;
    this.shownThrough = position.shownThrough ?? position.resumeSeq;
    this.limits = { ...UNLIMITED, ...opts.limits };
    this.clock = opts.clock ?? Date.now;
  }

  /** The stream sequence to read from. */
  startSeq(): number {
    return this.resumeSeq + 1;
  }

  lastReadSeq(): number {
    return this.readSeq;
  }

  seriesCount(): number {
    return this.heldSeries;
  }

  nodeCount(): number {
    return this.nodes.size;
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
    this.lastDropped = 0;
    if (through !== undefined && seq <= through) return 'replayed';
    const at = batch.timestamp;
    const now = this.clock();
    const node = this.nodeOf(batch, now);
    node.seenAt = now;
    if (node.droppedTotal > 0) this.reportDropped(node);
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
    if (seq > this.shownThrough) this.batchTimestamps.push(at);
    else this.reread++;
    return 'folded';
  }

  /** Folds each value into its slot's aggregate of the bucket, creating what is missing. */
  private foldEach(node: NodeSeries, bucket: number, values: number[], at: number): void {
    const slots = node.slots;
    const aggs = new Array<Agg>(values.length);
    for (let i = 0; i < values.length; i++) {
      const slot = slots[i];
      const value = values[i];
      if (slot === undefined) {
        // Over a limit: not stored (counted per batch by reportDropped).
        aggs[i] = this.sink;
        continue;
      }
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
   * A series the node does not hold yet is taken in only within the cardinality limits; one
   * over a limit has no slot, and its samples are dropped and counted batch after batch.
   */
  private nodeOf(batch: IngestBatch, now: number): NodeSeries {
    let node = this.nodes.get(batch.nodeId);
    const list = batch.list;
    if (!list) {
      if (node?.series !== batch.series)
        throw new Error(`batch of ${batch.nodeId} decoded against series this partition does not hold`);
      return node;
    }
    if (node?.series === batch.series) return node;
    if (!node) {
      node = {
        nodeId: batch.nodeId,
        series: NO_SERIES,
        count: 0,
        slots: [],
        kept: 0,
        groups: [],
        bucket: -Infinity,
        aggs: [],
        held: new Map(),
        liveGroups: new Map(),
        seenAt: now,
        sweptAt: now,
        droppedTotal: 0,
      };
      // A node costs memory too: a replica without room for it and one series keeps no new
      // node (its samples are dropped), rather than filling up with nodes holding nothing.
      if (this.limits.held() + 2 > this.limits.maxHeld) node.transient = true;
    } else {
      // The node's previous list: its series not named again are now stale from this moment.
      for (const slot of node.slots) {
        if (slot === undefined) continue;
        slot.current = false;
        slot.seenAt = now;
      }
      // At its limit, a node's stale series are looked for at most once a second (a scan costs
      // all its series; a node changing its list every batch must not make each one cost that).
      const since = now - node.sweptAt;
      if (since >= Math.min(this.limits.idleMs, 60_000) || (node.held.size >= this.limits.perNode && since >= 1000)) {
        const evicted = this.sweepNode(node, now);
        if (evicted) this.opts.onEvicted?.('series', evicted);
      }
    }
    const n = list.names.length;
    const slots = new Array<SeriesSlot | undefined>(n);
    let dropped: NodeSeries['dropped'];
    let droppedTotal = 0;
    for (let i = 0; i < n; i++) {
      const name = list.names[i];
      const lk = list.labelsKeys[i];
      const key = name + '\n' + lk;
      let slot = node.held.get(key);
      if (!slot) {
        const limit = this.limitFor(node, name);
        if (limit) {
          (dropped ??= {})[limit] = (dropped[limit] ?? 0) + 1;
          droppedTotal++;
          continue;
        }
        const metric = own(name);
        let group = node.liveGroups.get(metric);
        if (!group) node.liveGroups.set(metric, (group = new LiveGroup(node.nodeId, metric)));
        slot = new SeriesSlot(node.nodeId, metric, list.labels[i], own(lk), group);
        node.held.set(own(key), slot);
        this.heldSeries++;
        this.perMetric.set(metric, (this.perMetric.get(metric) ?? 0) + 1);
      }
      slot.current = true;
      slots[i] = slot;
    }
    const groups = new Set<LiveGroup>();
    for (const slot of slots) if (slot) groups.add(slot.group);
    node.series = batch.series;
    node.count = n;
    node.slots = slots;
    node.kept = n - droppedTotal;
    node.groups = [...groups];
    node.bucket = -Infinity;
    node.aggs = [];
    node.dropped = dropped;
    node.droppedTotal = droppedTotal;
    if (!this.nodes.has(node.nodeId) && !node.transient) this.nodes.set(node.nodeId, node);
    return node;
  }

  /** The limit a new series of `node` and `metric` would break, if any. */
  private limitFor(node: NodeSeries, metric: string): CardinalityLimit | undefined {
    if (node.transient) return 'series_in_memory';
    if (node.held.size >= this.limits.perNode) return 'series_per_node';
    if ((this.perMetric.get(metric) ?? 0) >= this.limits.perMetric) return 'series_per_metric';
    // A node taken in by this batch is not in `nodes` yet, but counts.
    const unheld = this.nodes.get(node.nodeId) === node ? 0 : 1;
    if (this.limits.held() + unheld >= this.limits.maxHeld) return 'series_in_memory';
    return undefined;
  }

  private reportDropped(node: NodeSeries): void {
    this.lastDropped = node.droppedTotal;
    const report = this.opts.onLimited;
    if (report && node.dropped)
      for (const [limit, n] of Object.entries(node.dropped)) report(node.nodeId, limit as CardinalityLimit, n);
  }

  /** Forgets the node's series it stopped sending more than idleMs ago (once written); returns how many. */
  private sweepNode(node: NodeSeries, now: number): number {
    node.sweptAt = now;
    if (node.held.size <= node.kept) return 0;
    const before = now - this.limits.idleMs;
    let evicted = 0;
    for (const [key, slot] of node.held) {
      if (slot.current || slot.seenAt > before || slot.pending.length > 0) continue;
      node.held.delete(key);
      this.forgetSlot(node, slot);
      evicted++;
    }
    return evicted;
  }

  private forgetSlot(node: NodeSeries, slot: SeriesSlot): void {
    this.heldSeries--;
    const left = (this.perMetric.get(slot.metric) ?? 1) - 1;
    if (left > 0) this.perMetric.set(slot.metric, left);
    else this.perMetric.delete(slot.metric);
    const group = slot.group;
    const i = group.slots.indexOf(slot);
    if (i >= 0) group.slots.splice(i, 1);
    // The live view follows: a field left empty is deleted, one that lost some series is
    // written again without them.
    if (group.slots.length === 0) {
      node.liveGroups.delete(group.metric);
      this.liveGone.push({ nodeId: group.nodeId, metric: group.metric });
    } else if (!group.dirty) {
      group.dirty = true;
      this.dirty.push(group);
    }
  }

  /**
   * Forgets nodes silent for idleMs (with their series, once all are written) and the stale
   * series of the others. Runs at most every tenth of idleMs (and at least every minute).
   */
  private sweep(now: number): void {
    const idle = this.limits.idleMs;
    if (!Number.isFinite(idle) || now - this.lastSweep < Math.min(idle / 10, 60_000)) return;
    this.lastSweep = now;
    let nodes = 0;
    let series = 0;
    for (const [id, node] of this.nodes) {
      if (node.seenAt <= now - idle) {
        let pending = false;
        for (const slot of node.held.values()) if (slot.pending.length > 0) pending = true;
        if (pending) continue;
        this.nodes.delete(id);
        for (const slot of node.held.values()) this.forgetSlot(node, slot);
        series += node.held.size;
        nodes++;
      } else if (node.held.size > node.kept && now - node.sweptAt >= idle / 10) {
        series += this.sweepNode(node, now);
      }
    }
    if (nodes) this.opts.onEvicted?.('node', nodes);
    if (series) {
      this.opts.onEvicted?.('series', series);
      // Room was made: nodes with series over a limit have them looked at again on their next batch.
      for (const node of this.nodes.values()) if (node.droppedTotal > 0) node.series = NO_SERIES;
    }
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
    this.sweep(now);
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
    const update = {
      groups: this.dirty,
      batchTimestamps: this.batchTimestamps,
      reread: this.reread,
      throughSeq: this.readSeq,
      gone: this.liveGone,
    };
    this.reread = 0;
    for (const group of this.dirty) group.dirty = false;
    this.dirty = [];
    this.liveGone = [];
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
