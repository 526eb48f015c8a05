import type { AuditRecordView, LiveEvent } from '../api/types';
import type { AuditFilters } from '../app/routes';

/** Records one page asks for (the API takes up to 500). */
export const AUDIT_PAGE = 50;
/** Live records kept above the first page before the oldest are let go (the page grows by what arrives). */
export const AUDIT_LIVE_MAX = 200;

/** The API's query string for the filters and page. */
export function auditQuery(f: AuditFilters, limit = AUDIT_PAGE): Record<string, string | number | undefined> {
  return {
    actor: f.actor || undefined,
    action: f.action || undefined,
    q: f.q || undefined,
    outcome: f.outcome,
    since: f.since,
    until: f.until,
    before: f.before,
    limit,
  };
}

const str = (v: unknown): v is string => typeof v === 'string';

/**
 * The record an `audit.recorded` event of the live API carries (its id is the aggregate's, its
 * sequence the event's cursor); undefined for any other event or a shape this console does not know.
 */
export function recordFromEvent(event: LiveEvent, cursor: string): AuditRecordView | undefined {
  if (event.type !== 'audit.recorded') return undefined;
  const d = event.data as Record<string, unknown> | null;
  const seq = Number(cursor);
  const id = event.subject.split('.').pop() ?? '';
  if (!d || typeof d !== 'object' || !Number.isSafeInteger(seq) || id === '') return undefined;
  const { actor, sourceIp, userAgent, requestId, action, target, status, outcome, changes } = d;
  if (!str(actor) || !str(action) || !str(target) || typeof status !== 'number') return undefined;
  if (outcome !== 'success' && outcome !== 'failure') return undefined;
  return {
    id,
    seq,
    at: event.occurredAt,
    actor,
    sourceIp: str(sourceIp) ? sourceIp : '',
    userAgent: str(userAgent) ? userAgent : '',
    requestId: str(requestId) ? requestId : '',
    action,
    target,
    status,
    outcome,
    ...(changes !== undefined ? { changes } : {}),
  };
}

/** Whether a record belongs in the view the filters describe (as the API would select it). */
export function matchesAudit(r: AuditRecordView, f: AuditFilters): boolean {
  if (f.actor && r.actor !== f.actor) return false;
  if (f.action && r.action !== f.action) return false;
  if (f.outcome && r.outcome !== f.outcome) return false;
  const at = Date.parse(r.at);
  if (f.since && at < Date.parse(f.since)) return false;
  if (f.until && at >= Date.parse(f.until)) return false;
  if (f.q) {
    const text = [r.actor, r.action, r.target, r.changes === undefined ? '' : JSON.stringify(r.changes)].join(' ');
    if (!text.toLowerCase().includes(f.q.toLowerCase())) return false;
  }
  return true;
}

/** `records` (newest first) with `r` in its place, once; at most `max` kept. */
export function withRecord(
  records: readonly AuditRecordView[],
  r: AuditRecordView,
  max = AUDIT_LIVE_MAX,
): AuditRecordView[] {
  if (records.some((x) => x.seq === r.seq)) return [...records];
  const next = [...records, r].sort((a, b) => b.seq - a.seq);
  return next.slice(0, max);
}

/** `what was sent`, shown compactly (the API has replaced every secret-looking field already). */
export function changesText(changes: unknown, max = 300): string {
  if (changes === undefined || changes === null) return '';
  const text = JSON.stringify(changes);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
