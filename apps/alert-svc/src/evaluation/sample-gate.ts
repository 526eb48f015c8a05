import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import {
  decodeSampleBatch,
  STAMP_HEADER,
  type IdentityEvent,
  type ReplayGuard,
  type ReplayMark,
  REPLAY_MARKS_PRUNE_BATCH,
  replayMarkPruneBefore,
  type SampleBatch,
} from '@vigil/contracts';
import type { Projection, ProjectionRunner } from '@vigil/event-store';
import type { RedriveHandler } from '@vigil/messaging';
import {
  Bus,
  Database,
  IdentityGate,
  InjectConfig,
  Observability,
  projectionRedrive,
  projectionRunner,
  type RedriveLedger,
  SecurityViolations,
  type ServiceConfig,
  type Violation,
} from '@vigil/platform';
import { Counter } from 'prom-client';
import type { AlertEnv } from '../config';

/**
 * The identity gate of metrics-svc (libs/platform IdentityGate), on the batches the rules
 * read: a forged, unsigned (from an enrolled node), revoked, stale or replayed batch
 * evaluates nothing. Identities are kept in `alerting.node_identities` by this replica's
 * projection.
 *
 * The live reader's replay marks outlive the process (`alerting.replay_marks`): written every
 * second (MARKS_PERSIST_MS) and when reading ends, loaded when it begins. What a crash lost
 * (at most the last second's marks) is found again by reading the stream from the newest mark
 * stored to its end, checking each batch as the reader did, before the reader starts; only
 * what was stored within twice the skew window can still be replayed, so no further back.
 * Evaluation has no transaction of its own to write the marks in (its state is in memory):
 * the stream, which is durable, fills the gap instead.
 *
 * Pruned by the live reader every minute (PRUNE_EVERY_MS, in batches): a later activation
 * checks only messages stored within twice the skew of its start (the catch-up), then the
 * stream's end; its start is after the prune, so every message a stored mark will ever be
 * asked about was stored at or after now − 2 × skew. That is replayMarkPruneBefore's
 * `oldestReadable` (libs/contracts, where the reasoning is): marks signed more than three
 * times the skew (and its margin) ago refuse nothing, and go. The running reader's marks are
 * in its memory, which the prune does not touch; the checkpoint row is kept.
 */
@Injectable()
export class SampleGate implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly gate: IdentityGate;
  private readonly runner: ProjectionRunner<IdentityEvent>;
  private readonly identities: Projection<IdentityEvent>;
  private started?: Promise<void>;
  private live?: ReplayGuard;
  /** The live reader's last stream position (stored with the marks: where a catch-up starts). */
  private position = 0;
  private storedPosition = -1;
  private persistTimer?: NodeJS.Timeout;
  private persisting: Promise<void> = Promise.resolve();
  private readonly skewMs: number;
  private readonly pruned: Counter;
  /** When the live reader last pruned the stored marks (0: at its first write). */
  private prunedAt = 0;

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    private readonly obs: Observability,
    violations: SecurityViolations,
    @InjectConfig() config: ServiceConfig & AlertEnv,
  ) {
    this.gate = new IdentityGate(db, violations, {
      table: 'alerting.node_identities',
      projection: 'alerting-identities',
      requireEnrollment: config.VIGIL_REQUIRE_ENROLLMENT,
      skewMs: config.VIGIL_SIGNATURE_SKEW_MS,
      marksTable: 'alerting.replay_marks',
    });
    this.skewMs = config.VIGIL_SIGNATURE_SKEW_MS;
    this.pruned =
      (obs.registry.getSingleMetric(PRUNED_METRIC) as Counter | undefined) ??
      new Counter({
        name: PRUNED_METRIC,
        help: 'Stored replay marks deleted because they can no longer refuse a message (alerting.replay_marks)',
        registers: [obs.registry],
      });
    this.identities = this.gate.projection();
    this.runner = projectionRunner({ bus, db, obs }, 'alerting', 'identity', this.identities);
  }

  /** Loads the identities and follows them; the evaluator waits for it before it reads a sample. */
  start(): Promise<void> {
    this.started ??= (async () => {
      await this.gate.load();
      await this.runner.start();
    })();
    return this.started;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.endReading();
    await this.runner.stop();
  }

  /**
   * A new activation: the live reader's replay state is the stored marks, brought up to the end
   * of the stream (see the class); the read of the recent past gets a replay state of its own,
   * since it runs beside the live one, further back in the stream.
   */
  async beginReading(): Promise<{ live: SampleAdmission; history: SampleAdmission }> {
    await this.endReading();
    const live = this.gate.newReplayGuard({ journal: true });
    const newest = await this.seedMarks(live);
    // Nothing stored: no evaluator read here before; the stream's end is where this one starts.
    this.position =
      newest === undefined
        ? (await this.bus.jsm.streams.info(this.bus.topology.streams.telemetry)).state.last_seq
        : await this.catchUp(live, newest);
    // Where a successor's catch-up starts, should this reader crash before its first write.
    await writeMarks(
      this.db,
      new Map([[CHECKPOINT, { boot: 0, seq: 0, signedAt: Date.now(), streamSeq: this.position }]]),
    );
    this.storedPosition = this.position;
    this.live = live;
    this.persistTimer = setInterval(() => void this.persistMarks(), MARKS_PERSIST_MS);
    const history = this.gate.newReplayGuard();
    return {
      live: (msg, batch) => this.admit(msg, batch, live, true),
      history: (msg, batch) => this.admit(msg, batch, history, false),
    };
  }

  /** The redrive of the identity events this replica's projection parked. */
  identitiesRedrive(ledger: RedriveLedger): RedriveHandler {
    return projectionRedrive(this.identities, this.bus.topology.streams.events, ledger);
  }

  /**
   * The check of a batch an admin redrives (SampleRedrive): the gate's, with the identities as
   * they are now and the signed time against the time the stream stored it, in a replay state
   * of its own (the live marks have moved past it; see SampleRedrive). Not reported again.
   */
  checkRedriven(msg: JsMsg, batch: SampleBatch): Violation | undefined {
    const subjectNode = this.bus.topology.parse.samples(msg.subject)?.nodeId ?? '';
    const replays = this.gate.newReplayGuard();
    try {
      return this.gate.check(msg, subjectNode, batch.nodeId, { replays });
    } finally {
      this.gate.releaseReplayGuard(replays);
    }
  }

  /**
   * The check for a reader that only looks (a rule preview): the gate's, with a replay state of
   * its own for the one read; a refusal is not reported nor parked (the live reader does that).
   * `release` when the read is done.
   */
  quietAdmission(): { admit: SampleAdmission; release: () => void } {
    const replays = this.gate.newReplayGuard();
    return {
      admit: (msg, batch) => {
        const subjectNode = this.bus.topology.parse.samples(msg.subject)?.nodeId ?? '';
        return Promise.resolve(this.gate.check(msg, subjectNode, batch.nodeId, { replays }) === undefined);
      },
      release: () => this.gate.releaseReplayGuard(replays),
    };
  }

  /** The reader stopped: its last marks are stored. */
  async endReading(): Promise<void> {
    clearInterval(this.persistTimer);
    this.persistTimer = undefined;
    const live = this.live;
    if (!live) return;
    await this.persistMarks();
    this.live = undefined;
    this.gate.releaseReplayGuard(live);
  }

  /** Stores the marks taken since the last call (one statement; the newest position wins). */
  private persistMarks(): Promise<void> {
    const live = this.live;
    if (!live) return this.persisting;
    this.persisting = this.persisting.then(async () => {
      if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS) await this.pruneMarks();
      const marks = live.marksThrough(Infinity);
      const position = this.position;
      if (marks.size === 0 && position === this.storedPosition) return;
      marks.set(CHECKPOINT, { boot: 0, seq: 0, signedAt: Date.now(), streamSeq: position });
      try {
        await writeMarks(this.db, marks);
        this.storedPosition = position;
      } catch (e) {
        // Kept for the next round: the newest mark of each node is what counts.
        for (const [nodeId, mark] of marks) live.rejournal(nodeId, mark);
        this.obs.logger.warn({ err: e, nodes: marks.size }, 'replay marks not stored; retrying');
      }
    });
    return this.persisting;
  }

  /** Deletes the stored marks that can refuse nothing a later activation reads (see the class). */
  private async pruneMarks(): Promise<void> {
    this.prunedAt = Date.now();
    const before = replayMarkPruneBefore(Date.now() - 2 * this.skewMs, this.skewMs);
    try {
      for (let i = 0; i < PRUNE_BATCHES_PER_RUN; i++) {
        const n = await pruneMarks(this.db, before, REPLAY_MARKS_PRUNE_BATCH);
        this.pruned.inc(n);
        if (n < REPLAY_MARKS_PRUNE_BATCH) break;
      }
    } catch (e) {
      this.obs.logger.warn({ err: e }, 'replay marks not pruned; retrying next round');
    }
  }

  /**
   * The stored marks into `guard`; returns the newest stream position among them and the
   * reader's checkpoint, undefined when nothing was ever stored (no evaluator ran here).
   */
  private async seedMarks(guard: ReplayGuard): Promise<number | undefined> {
    const rows = await this.db.query<{
      node_id: string;
      boot: string;
      seq: string;
      stream_seq: string;
      signed_at: Date;
    }>('replay_marks_load', 'SELECT node_id, boot, seq, stream_seq, signed_at FROM alerting.replay_marks');
    if (rows.length === 0) return undefined;
    let newest = 0;
    for (const r of rows) {
      const streamSeq = Number(r.stream_seq);
      newest = Math.max(newest, streamSeq);
      if (r.node_id === CHECKPOINT) continue;
      guard.seed(r.node_id, {
        boot: Number(r.boot),
        seq: Number(r.seq),
        streamSeq,
        signedAt: r.signed_at.getTime(),
      });
    }
    return newest;
  }

  /**
   * Checks the signed batches stored after `after` (and within twice the skew window) to the
   * stream's end with `guard`, as the reader would have: the marks a crash did not store.
   * Refusals were reported when first read, or will be by nobody (the reader starts at the
   * end): passed over. Returns the stream's last sequence (where the live reader starts).
   */
  private async catchUp(guard: ReplayGuard, after: number): Promise<number> {
    const { js, jsm, topology } = this.bus;
    const stream = topology.streams.telemetry;
    const end = (await jsm.streams.info(stream)).state.last_seq;
    if (end <= after) return end;
    const oldest = Date.now() - 2 * this.skewMs;
    const consumer = await js.consumers.get(stream, {
      filter_subjects: topology.subjects.allSamples(),
      ...(after > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(oldest).toISOString() }),
    });
    let pending = (await consumer.info()).num_pending;
    const started = Date.now();
    let checked = 0;
    while (pending > 0) {
      let got = 0;
      for await (const m of await consumer.fetch({ max_messages: Math.min(pending, 1000), expires: 2000 })) {
        got++;
        pending = m.info.pending;
        if (m.seq > end || !m.headers?.has(STAMP_HEADER) || m.info.timestampNanos / 1e6 < oldest) continue;
        let batch: SampleBatch;
        try {
          batch = decodeSampleBatch(m.data);
        } catch {
          continue;
        }
        checked++;
        const subjectNode = topology.parse.samples(m.subject)?.nodeId ?? '';
        this.gate.check(m, subjectNode, batch.nodeId, { replays: guard });
      }
      if (got === 0) break;
    }
    this.obs.logger.info({ after, end, checked, ms: Date.now() - started }, 'replay marks brought up to the stream');
    return end;
  }

  /**
   * Whether the evaluator may read `batch`. A live batch refused is reported (a
   * `security.violation`, the counter) and parked; one read again from the recent past was
   * reported when it came, and is only passed over.
   */
  private async admit(msg: JsMsg, batch: SampleBatch, replays: ReplayGuard, live: boolean): Promise<boolean> {
    const subjectNode = this.bus.topology.parse.samples(msg.subject)?.nodeId ?? '';
    if (live && msg.seq > this.position) this.position = msg.seq;
    const violation = this.gate.check(msg, subjectNode, batch.nodeId, { replays });
    if (!violation) return true;
    if (live) {
      await this.gate.report(msg, batch.nodeId, violation);
      await this.bus.dlq.parkMessage(
        msg,
        'identity_mismatch',
        `${violation.reason}: ${violation.detail}`,
        this.bus.topology.streams.telemetry,
      );
    }
    return false;
  }
}

/** The row of `alerting.replay_marks` that holds the live reader's position (no node has this id). */
const CHECKPOINT = '';

/** How often the live reader's replay marks are stored. */
const MARKS_PERSIST_MS = 1000;

/** How often the live reader prunes the stored marks, and batches a prune deletes at most. */
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCHES_PER_RUN = 10;
const PRUNED_METRIC = 'vigil_replay_marks_pruned_total';

/** Deletes at most `batch` marks signed before `before` (Unix ms), never the checkpoint. Returns how many. */
async function pruneMarks(db: Database, before: number, batch: number): Promise<number> {
  const [gone] = await db.query<{ n: number }>(
    'replay_marks_prune',
    `WITH gone AS (
       DELETE FROM alerting.replay_marks
        WHERE ctid = ANY(ARRAY(SELECT ctid FROM alerting.replay_marks
                                WHERE signed_at < to_timestamp($1 / 1000.0) AND node_id <> $2 LIMIT $3))
        RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [before, CHECKPOINT, batch],
  );
  return gone.n;
}

/** Upserts the marks; a mark further back in the stream than the stored one (a stale leader's) changes nothing. */
async function writeMarks(db: Database, marks: Map<string, ReplayMark>): Promise<void> {
  const values = [...marks.values()];
  await db.query(
    'replay_marks_write',
    `INSERT INTO alerting.replay_marks AS m (node_id, boot, seq, stream_seq, signed_at)
       SELECT n, b, s, q, to_timestamp(t / 1000.0)
         FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::float8[]) AS u(n, b, s, q, t)
       ON CONFLICT (node_id) DO UPDATE
         SET boot = excluded.boot, seq = excluded.seq, stream_seq = excluded.stream_seq, signed_at = excluded.signed_at
         WHERE excluded.stream_seq > m.stream_seq`,
    [
      [...marks.keys()],
      values.map((m) => m.boot),
      values.map((m) => m.seq),
      values.map((m) => m.streamSeq),
      values.map((m) => m.signedAt),
    ],
  );
}

/** Says whether a batch may be evaluated (see SampleGate). */
export type SampleAdmission = (msg: JsMsg, batch: SampleBatch) => Promise<boolean>;
