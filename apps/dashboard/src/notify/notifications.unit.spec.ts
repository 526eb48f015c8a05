import type { LiveEvent } from '../api/types';
import { applyOutcome, listQuery, outcomeMatches, outcomeOf, PAGE_SIZE } from './notifications';
import type { NotificationView } from './types';

const id = '01956a8e-7c00-7000-8000-000000000001';
const fp = '00000000000000a1';
const view = (over: Partial<NotificationView> = {}): NotificationView => ({
  id,
  receiver: 'hook',
  groupKey: 'g',
  status: 'firing',
  state: 'pending',
  attempts: 1,
  lastError: 'webhook http://127.0.0.1: HTTP 503',
  createdAt: '2026-12-07T20:00:00.000Z',
  alerts: [{ fingerprint: fp, status: 'firing', labels: { alertname: 'HighCpu' } }],
  ...over,
});
const event = (type: string, data: Record<string, unknown>): LiveEvent => ({
  type,
  subject: `notification.${id}`,
  occurredAt: '2026-12-07T20:00:05.000Z',
  actor: 'service:alert-svc',
  data,
});
const base = { notificationId: id, receiver: 'hook', fingerprints: [fp], attempt: 2 };

describe('notification outcomes in the console', () => {
  it('reads the outcomes of the live topic and nothing else', () => {
    expect(outcomeOf(event('notification.delivered', { ...base, httpStatus: 200 }))).toEqual({
      type: 'notification.delivered',
      ...base,
      httpStatus: 200,
    });
    expect(outcomeOf(event('notification.tested', { receiver: 'hook', ok: true }))).toBeUndefined();
    expect(outcomeOf(event('notification.delivered', { ...base, fingerprints: [1] }))).toBeUndefined();
    expect(outcomeOf(event('notification.delivered', { ...base, attempt: '2' }))).toBeUndefined();
  });

  it('moves a notification on the page to its new state', () => {
    const delivered = outcomeOf(event('notification.delivered', { ...base, httpStatus: 200 }))!;
    const r = applyOutcome([view()], delivered, {}, '2026-12-07T20:00:05.000Z');
    expect(r).toMatchObject({ changed: true, reload: false });
    expect(r.list[0]).toMatchObject({
      state: 'delivered',
      attempts: 2,
      lastStatus: 200,
      deliveredAt: '2026-12-07T20:00:05.000Z',
    });
    expect(r.list[0]).not.toHaveProperty('lastError');
    const gaveUp = outcomeOf(event('notification.given_up', { ...base, attempt: 3, error: 'gave up' }))!;
    expect(applyOutcome([view()], gaveUp, {}, 'x').list[0]).toMatchObject({ state: 'failed', lastError: 'gave up' });
  });

  it('ignores an older attempt arriving late, and drops a row that leaves the state filter', () => {
    const late = outcomeOf(event('notification.attempt_failed', { ...base, attempt: 1, error: 'e' }))!;
    expect(applyOutcome([view({ attempts: 2, state: 'delivered' })], late, {}, 'x').changed).toBe(false);
    const delivered = outcomeOf(event('notification.delivered', base))!;
    expect(applyOutcome([view()], delivered, { state: 'pending' }, 'x').list).toEqual([]);
  });

  it('reads the newest page again for a matching notification it does not hold', () => {
    const other = outcomeOf(event('notification.delivered', { ...base, notificationId: 'other' }))!;
    expect(applyOutcome([view()], other, {}, 'x').reload).toBe(true);
    expect(applyOutcome([view()], other, { before: id }, 'x').reload).toBe(false);
    expect(applyOutcome([view()], other, { receiver: 'ops' }, 'x').reload).toBe(false);
    expect(outcomeMatches(other, { alert: fp, state: 'delivered' })).toBe(true);
    expect(outcomeMatches(other, { alert: '00000000000000b2' })).toBe(false);
  });

  it('asks the API for one page with the filters', () => {
    expect(listQuery({ receiver: 'hook', state: 'failed', alert: fp, before: id })).toEqual({
      receiver: 'hook',
      state: 'failed',
      fingerprint: fp,
      before: id,
      limit: PAGE_SIZE,
    });
  });
});
