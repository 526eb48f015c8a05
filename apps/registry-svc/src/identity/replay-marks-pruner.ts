import type { JetStreamManager } from '@nats-io/jetstream';
import {
  REPLAY_MARK_PRUNE_MARGIN_MS,
  REPLAY_MARKS_PRUNE_BATCH,
  replayMarkPruneBefore,
  type TelemetrySubject,
  type Topology,
} from '@vigil/contracts';
import type { Database } from '@vigil/platform';

type Kind = Exclude<TelemetrySubject['kind'], 'samples'>;

/** Batches one prune run deletes at most (the next run, a minute later, goes on). */
const BATCHES_PER_RUN = 10;

/**
 * Deletes the rows of `registry.replay_marks` (SharedReplayState) that can refuse nothing any
 * more, so that the table holds the nodes heard lately, not every node ever enrolled.
 *
 * Each kind of message has its own durable consumer, whose handlers take messages out of order
 * (concurrency, redeliveries, a backlog after an outage): what it may still read is every
 * message after its ack floor, all of them stored at or after the floor's message was. So the
 * `oldestReadable` of replayMarkPruneBefore (libs/contracts, where the reasoning is) is the time
 * JetStream stored the floor's message; the stream's first message when the floor is gone (its
 * max age or size dropped it: nothing older can be read) or the consumer does not exist yet;
 * now when the stream is empty. Never the wall clock minus the skew alone: a consumer stopped for
 * an hour reads an hour-old backlog, whose copies the marks of then must still refuse.
 */
export class ReplayMarksPruner {
  constructor(
    private readonly db: Database,
    private readonly jsm: JetStreamManager,
    private readonly topology: Topology,
    private readonly skewMs: number,
    /** Slack for clocks (REPLAY_MARK_PRUNE_MARGIN_MS; a test with a real stream takes less). */
    private readonly marginMs = REPLAY_MARK_PRUNE_MARGIN_MS,
  ) {}

  /** One run over every kind; returns the rows deleted. */
  async prune(batch = REPLAY_MARKS_PRUNE_BATCH): Promise<number> {
    const c = this.topology.consumers;
    const durables: Record<Kind, string> = {
      heartbeat: c.registryHeartbeats,
      inventory: c.registryInventory,
      'agent-events': c.registryAgentEvents,
    };
    let pruned = 0;
    for (const [kind, durable] of Object.entries(durables)) {
      const before = replayMarkPruneBefore(await this.oldestReadable(durable), this.skewMs, this.marginMs);
      for (let i = 0; i < BATCHES_PER_RUN; i++) {
        const n = await this.pruneBatch(kind, before, batch);
        pruned += n;
        if (n < batch) break;
      }
    }
    return pruned;
  }

  /** A lower bound of the stream time of every message the consumer `durable` may still read. */
  async oldestReadable(durable: string): Promise<number> {
    const stream = this.topology.streams.telemetry;
    const { state } = await this.jsm.streams.info(stream);
    if (state.messages === 0) return Date.now();
    const first = Date.parse(state.first_ts);
    const floor = await this.jsm.consumers.info(stream, durable).then(
      (info) => info.ack_floor.stream_seq,
      () => 0,
    );
    if (floor < state.first_seq) return first;
    const stored = await this.jsm.streams.getMessage(stream, { seq: floor }).catch(() => null);
    return stored ? Math.max(first, stored.time.getTime()) : first;
  }

  private async pruneBatch(kind: string, before: number, batch: number): Promise<number> {
    const [gone] = await this.db.query<{ n: number }>(
      'replay_marks_prune',
      `WITH gone AS (
         DELETE FROM registry.replay_marks
          WHERE ctid = ANY(ARRAY(SELECT ctid FROM registry.replay_marks
                                  WHERE kind = $1 AND signed_at < to_timestamp($2 / 1000.0) LIMIT $3))
          RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [kind, before, batch],
    );
    return gone.n;
  }
}
