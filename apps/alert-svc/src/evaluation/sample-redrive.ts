import { decodeSampleBatch, type Topology, ValidationError } from '@vigil/contracts';
import {
  type ParkedMessage,
  parkedOriginal,
  type RedriveHandler,
  type RedriveRequest,
  type RedriveResult,
} from '@vigil/messaging';
import type { RedriveLedger } from '@vigil/platform';
import type { AlertEvaluation } from './alert-evaluation';
import type { SampleGate } from './sample-gate';

/** The detail of a batch parked as a replay (`replayed: node … is not after the last taken …`). */
const PARKED_AS_REPLAY = /^replayed: /;

/**
 * Redrives the sample batches alert-svc's evaluator parked (a batch it could not decode, one
 * its identity gate refused: a node whose enrollment this service had not yet heard of, say)
 * through the evaluator's own path: the batch contract, the identity gate as it stands now
 * (SampleGate.checkRedriven: the signature, enrollment and revocation, the signed time against
 * the time the stream stored the batch), then the evaluators, as a late batch from an agent's
 * spool is evaluated (a threshold rule sees the value at its own time).
 *
 * Replays: the live reader's replay marks have moved past any batch parked a while ago, so they
 * are not consulted (they would refuse every one). A batch parked as a replay (a copy of one
 * already evaluated) stays parked; every other batch is evaluated at most once, by the record in
 * `alerting.dlq_redriven` (with the admin who asked), written in the transaction that decides it.
 *
 * Evaluation state is in memory on the replica that holds the evaluator's lease: a redrive
 * answered by another replica evaluates nothing and fails (the batch stays parked; ask again).
 */
export class SampleRedrive implements RedriveHandler {
  constructor(
    private readonly topology: Topology,
    private readonly gate: SampleGate,
    private readonly evaluation: AlertEvaluation,
    private readonly ledger: RedriveLedger,
  ) {}

  accepts(p: ParkedMessage): boolean {
    return p.stream === this.topology.streams.telemetry && this.topology.parse.samples(p.originalSubject) !== undefined;
  }

  async redrive(p: ParkedMessage, { actor }: RedriveRequest): Promise<RedriveResult> {
    if (p.reason === 'identity_mismatch' && PARKED_AS_REPLAY.test(p.detail)) {
      return { outcome: 'refused', reason: 'identity_mismatch', detail: p.detail };
    }
    let batch;
    try {
      batch = decodeSampleBatch(p.data);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      return { outcome: 'refused', reason: 'invalid_payload', detail: e.message };
    }
    const { msg: original, storedAt } = parkedOriginal(p);
    const violation = this.gate.checkRedriven(original, batch);
    if (violation) {
      return { outcome: 'refused', reason: 'identity_mismatch', detail: `${violation.reason}: ${violation.detail}` };
    }
    const applied = await this.ledger.once(p, actor, async () => {
      if (!this.evaluation.evaluateRedriven(batch, storedAt)) {
        throw new Error(
          'the alert evaluator runs on another replica (or is stopping): the batch stays parked, ask again',
        );
      }
    });
    return applied ? { outcome: 'applied' } : { outcome: 'already_applied' };
  }
}
