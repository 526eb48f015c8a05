import { type Topology, ValidationError } from '@vigil/contracts';
import {
  type ParkedMessage,
  parkedOriginal,
  type RedriveHandler,
  type RedriveRequest,
  type RedriveResult,
} from '@vigil/messaging';
import type { Database, IdentityGate } from '@vigil/platform';
import type { MetricsSvcMetrics } from '../metrics-svc.metrics';
import { decodeIngestBatch } from './batch-decoder';
import { PartitionState } from './partition-state';
import type { RollupWriter } from './rollup-writer';
import { ensureSeriesIds } from './series-ids';

export interface SampleRedriveDeps {
  topology: Topology;
  db: Database;
  writer: RollupWriter;
  identity: IdentityGate;
  metrics: MetricsSvcMetrics;
  maxFutureMs: number;
  oldestMs: number;
  clock?: () => number;
}

/**
 * Redrives a parked sample batch through the ingest's own checks (the batch contract, the
 * future limit, the identity gate: signature, enrollment, revocation) and merges it into the
 * rollups, as a late batch is. It runs on whichever replica answered, beside the partition's
 * owner: the merge is additive and the record of the batch (metrics.dlq_redriven) is written in
 * the same transaction, so each original message is merged at most once, whatever repeats.
 * Replays are checked within the batch itself (a fresh replay state): a redrive is an
 * operator's decision to take a batch the live ingest passed over.
 */
export class SampleRedrive implements RedriveHandler {
  private readonly clock: () => number;

  constructor(private readonly deps: SampleRedriveDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  accepts(p: ParkedMessage): boolean {
    const { topology } = this.deps;
    return p.stream === topology.streams.telemetry && topology.parse.samples(p.originalSubject) !== undefined;
  }

  async redrive(p: ParkedMessage, { actor }: RedriveRequest): Promise<RedriveResult> {
    const { topology, identity, metrics } = this.deps;
    const target = topology.parse.samples(p.originalSubject);
    if (!target) return { outcome: 'refused', reason: 'invalid_payload', detail: 'not a sample batch subject' };
    const now = this.clock();
    let batch;
    try {
      batch = decodeIngestBatch(p.data);
      if (batch.timestamp > now + this.deps.maxFutureMs) {
        throw new ValidationError(`batch timestamp ${new Date(batch.timestamp).toISOString()} is in the future`);
      }
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      return { outcome: 'refused', reason: 'invalid_payload', detail: e.message };
    }
    const { msg: original } = parkedOriginal(p);
    const replays = identity.newReplayGuard();
    const violation = identity.check(original, target.nodeId, batch.nodeId, { replays });
    identity.releaseReplayGuard(replays);
    if (violation) {
      return { outcome: 'refused', reason: 'identity_mismatch', detail: `${violation.reason}: ${violation.detail}` };
    }
    const origin = { stream: p.stream, streamSeq: p.streamSeq, dlqSeq: p.seq, actor };
    if (batch.timestamp < now - this.deps.oldestMs) {
      // Older than the longest retention: the ingest would not store it either.
      metrics.discarded.inc({ reason: 'too_old' }, batch.values.length);
      return (await this.deps.writer.writeRedriven(target.partition, origin, [], now))
        ? { outcome: 'applied' }
        : { outcome: 'already_applied' };
    }
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    state.fold(1, batch);
    // Every bucket of the batch is closed for this one-batch state: all of it is written now.
    const plan = state.plan(Number.MAX_SAFE_INTEGER, 0, true);
    await ensureSeriesIds(
      this.deps.db,
      plan.rows.map((r) => r.slot),
    );
    const merged = await this.deps.writer.writeRedriven(target.partition, origin, plan.rows, now);
    if (merged) metrics.samples.inc(batch.values.length);
    return merged ? { outcome: 'applied' } : { outcome: 'already_applied' };
  }
}
