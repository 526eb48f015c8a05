import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import type { IdentityEvent, ReplayGuard, SampleBatch } from '@vigil/contracts';
import type { ProjectionRunner } from '@vigil/event-store';
import {
  Bus,
  Database,
  IdentityGate,
  InjectConfig,
  Observability,
  projectionRunner,
  SecurityViolations,
  type ServiceConfig,
} from '@vigil/platform';
import type { AlertEnv } from '../config';

/**
 * The identity gate of metrics-svc (libs/platform IdentityGate), on the batches the rules
 * read: a forged, unsigned (from an enrolled node), revoked, stale or replayed batch
 * evaluates nothing. Identities are kept in `alerting.node_identities` by this replica's
 * projection.
 */
@Injectable()
export class SampleGate implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly gate: IdentityGate;
  private readonly runner: ProjectionRunner<IdentityEvent>;
  private started?: Promise<void>;

  constructor(
    private readonly bus: Bus,
    db: Database,
    obs: Observability,
    violations: SecurityViolations,
    @InjectConfig() config: ServiceConfig & AlertEnv,
  ) {
    this.gate = new IdentityGate(db, violations, {
      table: 'alerting.node_identities',
      projection: 'alerting-identities',
      requireEnrollment: config.VIGIL_REQUIRE_ENROLLMENT,
      skewMs: config.VIGIL_SIGNATURE_SKEW_MS,
    });
    this.runner = projectionRunner({ bus, db, obs }, 'alerting', 'identity', this.gate.projection());
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
    await this.runner.stop();
  }

  /**
   * A new activation: the live reader starts after everything the replay check held (that goes),
   * and the read of the recent past gets a replay state of its own, since it runs beside the
   * live one, further back in the stream.
   */
  beginReading(): { live: SampleAdmission; history: SampleAdmission } {
    this.gate.forgetReplayState(() => true);
    const history = this.gate.newReplayGuard();
    return {
      live: (msg, batch) => this.admit(msg, batch, undefined),
      history: (msg, batch) => this.admit(msg, batch, history),
    };
  }

  /**
   * Whether the evaluator may read `batch`. A live batch refused is reported (a
   * `security.violation`, the counter) and parked; one read again from the recent past was
   * reported when it came, and is only passed over.
   */
  private async admit(msg: JsMsg, batch: SampleBatch, history: ReplayGuard | undefined): Promise<boolean> {
    const subjectNode = this.bus.topology.parse.samples(msg.subject)?.nodeId ?? '';
    const violation = this.gate.check(msg, subjectNode, batch.nodeId, { replays: history });
    if (!violation) return true;
    if (!history) {
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

/** Says whether a batch may be evaluated (see SampleGate). */
export type SampleAdmission = (msg: JsMsg, batch: SampleBatch) => Promise<boolean>;
