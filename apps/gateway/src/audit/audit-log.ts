import { Injectable } from '@nestjs/common';
import { type AuditEvent, auditEvents, type AuditRecordedEvent, uuidv7 } from '@vigil/contracts';
import { commandMeta, EventStore } from '@vigil/event-store';
import { Bus, Observability } from '@vigil/platform';
import type { Request, Response } from 'express';
import { actorOf, principalOf } from '../auth/principal';
import { auditedRoute } from './audit-route';
import { auditChanges } from './redact';

export type AuditEntry = AuditRecordedEvent['data'];

/**
 * Appends audit records to the event log (`events.audit.<id>`, a fact that decides nothing:
 * no expected sequence). A record is appended before the answer leaves; a failed append is
 * logged and the call answered all the same (the change itself is in its service's events, with
 * its actor).
 */
@Injectable()
export class AuditLog {
  private readonly store: EventStore<AuditEvent>;

  constructor(
    bus: Bus,
    private readonly obs: Observability,
  ) {
    this.store = new EventStore(bus.js, bus.jsm, bus.topology, 'audit', auditEvents);
  }

  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.store.append(uuidv7(), [{ type: 'audit.recorded', data: entry }], 'any', commandMeta(entry.actor));
    } catch (e) {
      this.obs.logger.error({ err: e, action: entry.action, request_id: entry.requestId }, 'audit record lost');
    }
  }

  /** Records a request's outcome when its route is audited; nothing otherwise. */
  async recordRequest(req: Request, res: Response, status: number): Promise<void> {
    const route = auditedRoute(req);
    if (!route) return;
    const principal = principalOf(req);
    await this.record({
      actor: route.actor ?? (principal ? actorOf(principal) : 'anonymous'),
      sourceIp: (req.ip ?? '').slice(0, 64),
      userAgent: (req.header('user-agent') ?? '').slice(0, 512),
      requestId: String(res.getHeader('x-request-id') ?? '').slice(0, 128),
      action: route.action,
      target: req.path.slice(0, 1024),
      status,
      outcome: status < 400 ? 'success' : 'failure',
      changes: auditChanges(req.body),
    });
  }
}
