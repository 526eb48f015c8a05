import { Injectable } from '@nestjs/common';
import type { AuditEvent, AuditQuery, AuditRecordView } from '@vigil/contracts';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import { auditProjection } from './audit.projection';

interface AuditRow {
  seq: string;
  id: string;
  at: Date;
  actor: string;
  source_ip: string;
  user_agent: string;
  request_id: string;
  action: string;
  target: string;
  status: number;
  outcome: 'success' | 'failure';
  changes: unknown;
}

/** The audit trail's read model (`gateway.audit`), kept by this replica's projection runner. */
@Injectable()
export class AuditReadModel extends ReadModel<AuditEvent> {
  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    obs: Observability,
  ) {
    super({ bus, db, obs }, 'gateway', 'audit', () => auditProjection, 'init');
  }

  /** A page, newest first, of the records the stream holds now; `next` continues it. */
  async page(q: AuditQuery): Promise<{ items: AuditRecordView[]; next: number | null }> {
    await this.runner.catchUp(this.bus.jsm);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.actor) add('actor = ?', q.actor);
    if (q.action) add('action = ?', q.action);
    if (q.target) add(`starts_with(target, ?)`, q.target);
    if (q.requestId) add('request_id = ?', q.requestId);
    if (q.outcome) add('outcome = ?', q.outcome);
    // A substring, not a pattern: LIKE's own wildcards in the text are matched as themselves.
    if (q.q)
      add(`concat_ws(' ', actor, action, target, changes::text) ILIKE '%' || ? || '%' ESCAPE '\\'`, likeLiteral(q.q));
    if (q.since) add('at >= ?', q.since);
    if (q.until) add('at < ?', q.until);
    if (q.before) add('seq < ?', q.before);
    params.push(q.limit + 1);
    const rows = await this.db.query<AuditRow>(
      'audit_page',
      `SELECT * FROM gateway.audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, q.limit).map(view);
    return { items, next: rows.length > q.limit ? items[items.length - 1].seq : null };
  }
}

/** `text` with LIKE's wildcards and its escape character escaped. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function view(r: AuditRow): AuditRecordView {
  return {
    seq: Number(r.seq),
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    sourceIp: r.source_ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    action: r.action,
    target: r.target,
    status: r.status,
    outcome: r.outcome,
    ...(r.changes === null ? {} : { changes: r.changes }),
  };
}
