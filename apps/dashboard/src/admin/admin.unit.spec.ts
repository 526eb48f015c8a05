import type { ApiKeyView, AuditRecordView, LiveEvent } from '../api/types';
import { DEFAULT_AUDIT_FILTERS } from '../app/routes';
import { auditQuery, changesText, matchesAudit, recordFromEvent, withRecord } from './audit';
import { keyState, parseScope, sortKeys } from './keys';
import { sortLag } from './status';

const record = (seq: number, patch: Partial<AuditRecordView> = {}): AuditRecordView => ({
  id: `r${seq}`,
  seq,
  at: '2026-12-07T10:00:00.000Z',
  actor: 'user:admin',
  sourceIp: '127.0.0.1',
  userAgent: 'test',
  requestId: 'x',
  action: 'POST /api/v1/keys',
  target: '/api/v1/keys',
  status: 201,
  outcome: 'success',
  changes: { name: 'grafana', role: 'viewer' },
  ...patch,
});

const event = (data: unknown, type = 'audit.recorded'): LiveEvent => ({
  type,
  subject: 'events.audit.8f1c',
  occurredAt: '2026-12-07T10:00:00.000Z',
  actor: 'user:admin',
  data,
});

describe('the audit view', () => {
  it('asks the API for the filters and page, leaving out what is not set', () => {
    expect(auditQuery(DEFAULT_AUDIT_FILTERS)).toEqual({
      actor: undefined,
      action: undefined,
      q: undefined,
      outcome: undefined,
      since: undefined,
      until: undefined,
      before: undefined,
      limit: 50,
    });
    expect(auditQuery({ ...DEFAULT_AUDIT_FILTERS, actor: 'key:1', before: 9 }, 10)).toMatchObject({
      actor: 'key:1',
      before: 9,
      limit: 10,
    });
  });

  it('reads a live audit event as a record, and nothing else', () => {
    const { id, seq, at, ...data } = record(77);
    expect(recordFromEvent(event(data), '77')).toEqual({ ...record(77), id: '8f1c', at, seq });
    expect(id).toBe('r77');
    expect(recordFromEvent(event(data, 'node.online'), '77')).toBeUndefined();
    expect(recordFromEvent(event({ ...data, outcome: 'maybe' }), '77')).toBeUndefined();
    expect(recordFromEvent(event({ ...data, status: '201' }), '77')).toBeUndefined();
    expect(recordFromEvent(event(null), '77')).toBeUndefined();
    expect(recordFromEvent(event(data), 'x')).toBeUndefined();
  });

  it('selects a live record as the API would for the same filters', () => {
    const r = record(1);
    const f = DEFAULT_AUDIT_FILTERS;
    expect(matchesAudit(r, f)).toBe(true);
    expect(matchesAudit(r, { ...f, actor: 'user:admin' })).toBe(true);
    expect(matchesAudit(r, { ...f, actor: 'user:adm' })).toBe(false);
    expect(matchesAudit(r, { ...f, action: 'DELETE /api/v1/keys/:id' })).toBe(false);
    expect(matchesAudit(r, { ...f, outcome: 'failure' })).toBe(false);
    expect(matchesAudit(r, { ...f, q: 'GRAFANA' })).toBe(true);
    expect(matchesAudit(r, { ...f, q: 'v1/KEYS' })).toBe(true);
    expect(matchesAudit(r, { ...f, q: 'prometheus' })).toBe(false);
    expect(matchesAudit(r, { ...f, since: '2026-12-07T10:00:00.000Z' })).toBe(true);
    expect(matchesAudit(r, { ...f, until: '2026-12-07T10:00:00.000Z' })).toBe(false);
  });

  it('puts a live record in its place once, newest first, within a bound', () => {
    const page = [record(10), record(8)];
    expect(withRecord(page, record(12)).map((r) => r.seq)).toEqual([12, 10, 8]);
    expect(withRecord(page, record(10)).map((r) => r.seq)).toEqual([10, 8]);
    expect(withRecord(page, record(9)).map((r) => r.seq)).toEqual([10, 9, 8]);
    expect(withRecord(page, record(12), 2).map((r) => r.seq)).toEqual([12, 10]);
  });

  it('shows what was sent compactly', () => {
    expect(changesText(undefined)).toBe('');
    expect(changesText({ a: 1 })).toBe('{"a":1}');
    expect(changesText({ a: 'x'.repeat(400) }, 20)).toHaveLength(21);
  });
});

const key = (patch: Partial<ApiKeyView>): ApiKeyView => ({
  id: 'k1',
  name: 'grafana',
  role: 'viewer',
  createdAt: '2026-12-01T00:00:00.000Z',
  createdBy: 'user:admin',
  expiresAt: '2027-01-01T00:00:00.000Z',
  revokedAt: null,
  lastUsedAt: null,
  scope: null,
  ...patch,
});

describe('the API keys view', () => {
  const now = Date.parse('2026-12-07T00:00:00.000Z');

  it('tells active, revoked and expired keys apart, live ones first', () => {
    const active = key({ id: 'a' });
    const revoked = key({ id: 'r', revokedAt: '2026-12-02T00:00:00.000Z', createdAt: '2026-12-05T00:00:00.000Z' });
    const expired = key({ id: 'e', expiresAt: '2026-12-06T00:00:00.000Z' });
    expect([active, revoked, expired].map((k) => keyState(k, now))).toEqual(['active', 'revoked', 'expired']);
    const newer = key({ id: 'n', createdAt: '2026-12-03T00:00:00.000Z' });
    expect(sortKeys([revoked, expired, active, newer], now).map((k) => k.id)).toEqual(['n', 'a', 'r', 'e']);
  });

  it('reads a label scope, naming the first part it cannot take', () => {
    expect(parseScope('')).toEqual({ ok: true });
    expect(parseScope(' env=prod, team = web ')).toEqual({ ok: true, scope: { env: 'prod', team: 'web' } });
    expect(parseScope('env=prod, web')).toEqual({ ok: false, bad: 'web' });
    expect(parseScope('env=prod, env=dev')).toEqual({ ok: false, bad: 'env=dev' });
    expect(parseScope('1x=y')).toEqual({ ok: false, bad: '1x=y' });
    const proto = parseScope('__proto__=x');
    expect(proto.ok && JSON.stringify(proto.scope)).toBe('{"__proto__":"x"}');
    const many = Array.from({ length: 40 }, (_, i) => `l${i}=v`).join(',');
    expect(parseScope(many)).toEqual({ ok: false, bad: 'l32=v' });
  });
});

describe('the status view', () => {
  it('lists the readers furthest behind first, unknown ones before all', () => {
    const lag = (name: string, pending: number | null) => ({
      service: 'registry-svc' as const,
      name,
      stream: 'EVENTS',
      kind: 'projection' as const,
      pending,
    });
    expect(sortLag([lag('a', 0), lag('b', 5), lag('c', null), lag('d', 5)]).map((l) => l.name)).toEqual([
      'c',
      'b',
      'd',
      'a',
    ]);
  });
});
