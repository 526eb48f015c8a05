import { Injectable } from '@nestjs/common';
import { NODE_ID_PATTERN, type SecurityViolationEvent, securityEvents, type ViolationReason } from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { createSecurityMetrics } from '@vigil/telemetry';
import type { Counter } from 'prom-client';
import type { ServiceConfig } from './config';
import { Bus, Observability } from './infra';
import { InjectConfig } from './platform.module';

/** Why a message was refused, as `identityViolation` (contracts) finds it. */
export interface Violation {
  reason: ViolationReason;
  detail: string;
}

/**
 * Records an agent message refused for the identity it claims: a `security.violation` event
 * (actor `service:<this service>`), the `vigil_security_violations_total` counter and a warning.
 * A service provides one.
 */
@Injectable()
export class SecurityViolations {
  private readonly store: EventStore<SecurityViolationEvent>;
  private readonly counter: Counter<'reason'>;
  private readonly actor: string;

  constructor(
    bus: Bus,
    private readonly obs: Observability,
    @InjectConfig() config: ServiceConfig,
  ) {
    this.store = new EventStore(bus.js, bus.jsm, bus.topology, 'security', securityEvents);
    this.counter = createSecurityMetrics(obs.registry).violations;
    this.actor = `service:${config.service}`;
  }

  /** Recorded on the claimed node's aggregate when that id can name a subject, else on `invalid-node-id`. */
  async report(
    msg: { subject: string; seq: number },
    { reason, detail }: Violation,
    claimedNodeId: string,
  ): Promise<void> {
    const aggregate = NODE_ID_PATTERN.test(claimedNodeId) ? claimedNodeId : 'invalid-node-id';
    await this.store.append(
      aggregate,
      [
        {
          type: 'security.violation',
          data: { claimedNodeId: claimedNodeId.slice(0, 256), subject: msg.subject, reason, detail },
        },
      ],
      'any',
      { correlationId: `msg:${msg.seq}`, causationId: `msg:${msg.seq}`, actor: this.actor },
    );
    this.counter.inc({ reason });
    this.obs.logger.warn({ node_id: claimedNodeId, subject: msg.subject, reason, detail }, 'security violation');
  }
}
