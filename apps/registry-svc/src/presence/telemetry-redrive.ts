import { type Topology, ValidationError } from '@vigil/contracts';
import {
  type ParkedMessage,
  parkedOriginal,
  PoisonMessageError,
  type RedriveHandler,
  type RedriveRequest,
  type RedriveResult,
} from '@vigil/messaging';
import type { RedriveLedger } from '@vigil/platform';
import type { IdentityVerifier } from '../identity/identity.verifier';
import type { PresenceService } from './presence.service';

/** The detail of a message parked as a replay (`replayed: node … is not after the last taken …`). */
const PARKED_AS_REPLAY = /^replayed: /;

/**
 * Redrives the agent messages registry-svc's consumers parked (heartbeats, inventory, agent
 * events) through the consumers' own handling: the payload's contract, the sender's identity
 * (`IdentityVerifier.verifyRedriven`: as it stands now, against the time the stream stored the
 * message) and the same commands. Each stored message is applied once (RedriveLedger, in
 * `registry.dlq_redriven`, with the admin who asked); the effects are idempotent besides (a
 * node's commands decide on its state, a supervisor event older than the row's is ignored), so
 * the window the ledger leaves open (an event appended, then a crash before the record commits)
 * appends nothing the second time.
 *
 * A message parked as a replay (a copy of a signed message already taken) stays parked whatever
 * is fixed: its original was applied, and no fix makes a copy new.
 */
export class TelemetryRedrive implements RedriveHandler {
  private readonly apply: ReturnType<PresenceService['handlers']>;

  constructor(
    private readonly topology: Topology,
    presence: PresenceService,
    verifier: IdentityVerifier,
    private readonly ledger: RedriveLedger,
  ) {
    this.apply = presence.handlers((msg, nodeId) => verifier.verifyRedriven(msg, nodeId));
  }

  accepts(p: ParkedMessage): boolean {
    const kind = this.topology.parse.telemetry(p.originalSubject)?.kind;
    return p.stream === this.topology.streams.telemetry && kind !== undefined && kind !== 'samples';
  }

  async redrive(p: ParkedMessage, { actor }: RedriveRequest): Promise<RedriveResult> {
    const parsed = this.topology.parse.telemetry(p.originalSubject);
    if (!parsed || parsed.kind === 'samples') {
      return { outcome: 'refused', reason: 'invalid_payload', detail: 'not a registry telemetry subject' };
    }
    if (p.reason === 'identity_mismatch' && PARKED_AS_REPLAY.test(p.detail)) {
      return { outcome: 'refused', reason: 'identity_mismatch', detail: p.detail };
    }
    const handle =
      parsed.kind === 'heartbeat'
        ? this.apply.heartbeat
        : parsed.kind === 'inventory'
          ? this.apply.inventory
          : this.apply.agentEvent;
    const { msg: original } = parkedOriginal(p);
    try {
      return (await this.ledger.once(p, actor, () => handle(original)))
        ? { outcome: 'applied' }
        : { outcome: 'already_applied' };
    } catch (e) {
      if (e instanceof PoisonMessageError) return { outcome: 'refused', reason: e.reason, detail: e.message };
      if (e instanceof ValidationError) return { outcome: 'refused', reason: 'invalid_payload', detail: e.message };
      throw e;
    }
  }
}
