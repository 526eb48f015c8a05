import type { MaintenanceWindowView } from '../api/types';
import { formMatchers, nextWindowBoundary, splitWindows, stoppedAt, windowProblems } from './maintenance';

const w = (id: string, state: MaintenanceWindowView['state'], startsAt: string, endsAt: string, cancelledAt?: string) =>
  ({
    id,
    state,
    reason: id,
    matchers: [{ label: 'rack', op: '=', value: '7' }],
    startsAt,
    endsAt,
    createdBy: 'user:ana',
    createdAt: startsAt,
    nodes: 1,
    ...(cancelledAt ? { cancelledAt, cancelledBy: 'user:bo' } : {}),
  }) as MaintenanceWindowView;

describe('maintenance windows in the console', () => {
  it('lists active windows first, then scheduled ones by start; past ones latest stop first', () => {
    const { open, past } = splitWindows([
      w('later', 'scheduled', '2026-12-09T00:00:00Z', '2026-12-09T02:00:00Z'),
      w('soon', 'scheduled', '2026-12-08T00:00:00Z', '2026-12-08T02:00:00Z'),
      w('now', 'active', '2026-12-07T00:00:00Z', '2026-12-08T02:00:00Z'),
      w('ended', 'ended', '2026-12-01T00:00:00Z', '2026-12-01T02:00:00Z'),
      w('cancelled', 'cancelled', '2026-12-01T00:00:00Z', '2026-12-03T00:00:00Z', '2026-12-02T00:00:00Z'),
    ]);
    expect(open.map((x) => x.id)).toEqual(['now', 'soon', 'later']);
    expect(past.map((x) => x.id)).toEqual(['cancelled', 'ended']);
    expect(stoppedAt(past[0])).toBe('2026-12-02T00:00:00Z');
  });

  it('leaves rows without a label name out of the matchers', () => {
    expect(
      formMatchers([
        { label: ' rack ', op: '=', value: '7' },
        { label: '', op: '=~', value: 'x' },
      ]),
    ).toEqual([{ label: 'rack', op: '=', value: '7' }]);
  });

  it("puts the API's problems at their fields", () => {
    expect(
      windowProblems('invalid request', [
        { path: ['matchers', 0, 'value'], message: 'invalid regular expression: lookahead' },
        { path: ['reason'], message: 'say why' },
        { path: ['endsAt'], message: 'must be in the future' },
        { path: ['actor'], message: 'odd' },
      ]),
    ).toEqual([
      { field: 'matchers.0', message: 'invalid regular expression: lookahead' },
      { field: 'reason', message: 'say why' },
      { field: 'endsAt', message: 'must be in the future' },
      { field: 'form', message: 'odd' },
    ]);
    expect(
      windowProblems(
        'invalid request: startsAt: must be within a year; matchers: needs at least one matcher',
        undefined,
      ),
    ).toEqual([
      { field: 'startsAt', message: 'must be within a year' },
      { field: 'matchers', message: 'needs at least one matcher' },
    ]);
  });

  it('plans the next fleet read at the next start or end of an open window', () => {
    const list = [
      w('now', 'active', '2026-12-07T00:00:00Z', '2026-12-08T02:00:00Z'),
      w('soon', 'scheduled', '2026-12-08T00:00:00Z', '2026-12-08T01:00:00Z'),
      w('gone', 'cancelled', '2026-12-07T00:00:00Z', '2026-12-07T12:00:00Z', '2026-12-07T01:00:00Z'),
    ];
    const at = (iso: string) => Date.parse(iso);
    expect(nextWindowBoundary(list, at('2026-12-07T06:00:00Z'))).toBe(at('2026-12-08T00:00:00Z'));
    expect(nextWindowBoundary(list, at('2026-12-08T00:00:00Z'))).toBe(at('2026-12-08T01:00:00Z'));
    expect(nextWindowBoundary(list, at('2026-12-08T01:30:00Z'))).toBe(at('2026-12-08T02:00:00Z'));
    expect(nextWindowBoundary(list, at('2026-12-08T02:00:00Z'))).toBeUndefined();
  });
});
