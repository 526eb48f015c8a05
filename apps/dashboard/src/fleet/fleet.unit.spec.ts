import { DEFAULT_FILTERS, type FleetFilters } from '../app/routes';
import { applyFleetEvent, countFleet, labelChoices, type NodeRow, selectRows, visibleRange } from './fleet';

const row = (id: string, over: Partial<NodeRow> = {}): NodeRow => ({
  id,
  hostname: `host-${id}`,
  status: 'online',
  labels: {},
  maintenance: false,
  lastSeenAt: '2026-12-07T20:00:00.000Z',
  agentVersion: '1',
  ...over,
});
const collator = new Intl.Collator('en', { numeric: true });
const ids = (rows: NodeRow[]) => rows.map((r) => r.id);
const filters = (f: Partial<FleetFilters>): FleetFilters => ({ ...DEFAULT_FILTERS, ...f });

describe('the fleet overview’s rows', () => {
  const rows = [
    row('web-2', { labels: { env: 'prod', role: 'web' } }),
    row('web-10', { labels: { env: 'prod', role: 'web' }, status: 'offline', lastSeenAt: '2026-12-07T19:00:00.000Z' }),
    row('db-1', { hostname: 'database', labels: { env: 'staging' }, maintenance: true }),
    row('new', { status: 'registered', lastSeenAt: null }),
  ];

  it('counts by status and maintenance', () => {
    expect(countFleet(rows)).toEqual({ total: 4, online: 2, offline: 1, registered: 1, maintenance: 1 });
  });

  it('searches id and hostname, filters by every label and by status, sorts naturally', () => {
    expect(ids(selectRows(rows, filters({}), collator))).toEqual(['db-1', 'new', 'web-2', 'web-10']);
    expect(ids(selectRows(rows, filters({ q: 'WEB' }), collator))).toEqual(['web-2', 'web-10']);
    expect(ids(selectRows(rows, filters({ q: 'datab' }), collator))).toEqual(['db-1']);
    expect(ids(selectRows(rows, filters({ labels: ['env=prod'] }), collator))).toEqual(['web-2', 'web-10']);
    expect(ids(selectRows(rows, filters({ labels: ['env=prod', 'role=db'] }), collator))).toEqual([]);
    expect(ids(selectRows(rows, filters({ status: 'offline' }), collator))).toEqual(['web-10']);
    expect(ids(selectRows(rows, filters({ status: 'maintenance' }), collator))).toEqual(['db-1']);
    expect(ids(selectRows(rows, filters({ sort: 'status' }), collator))).toEqual(['web-10', 'new', 'db-1', 'web-2']);
    expect(ids(selectRows(rows, filters({ sort: 'lastSeen', desc: true }), collator))).toEqual([
      'web-2',
      'db-1',
      'web-10',
      'new',
    ]);
    expect(labelChoices(rows)).toEqual(['env=prod', 'env=staging', 'role=web']);
  });

  it('stays fast at 10,000 nodes', () => {
    const many = Array.from({ length: 10_000 }, (_, i) =>
      row(`n-${i}`, { labels: { env: i % 2 ? 'prod' : 'dev', rack: `r${i % 40}` } }),
    );
    const started = performance.now();
    const selected = selectRows(many, filters({ q: 'n-1', labels: ['env=prod'] }), collator);
    expect(performance.now() - started).toBeLessThan(500);
    expect(selected.length).toBe(556);
    expect(labelChoices(many)).toHaveLength(42);
  });

  it('applies presence, maintenance and label events, and asks for the node again on anything else', () => {
    const map = new Map(rows.map((r) => [r.id, r]));
    const event = (type: string, data: unknown, subject = 'node.web-2') => ({
      type,
      subject,
      occurredAt: '2026-12-07T20:01:00.000Z',
      actor: 'service:registry-svc',
      data,
    });
    expect(
      applyFleetEvent(map, event('node.offline', { nodeId: 'web-2', lastSeenAt: '2026-12-07T20:00:30.000Z' })),
    ).toEqual({ changed: true });
    expect(map.get('web-2')).toMatchObject({ status: 'offline', lastSeenAt: '2026-12-07T20:00:30.000Z' });
    expect(applyFleetEvent(map, event('node.maintenance_started', { nodeId: 'web-2' })).changed).toBe(true);
    expect(map.get('web-2')?.maintenance).toBe(true);
    expect(applyFleetEvent(map, event('node.registered', { nodeId: 'fresh' }, 'node.fresh'))).toEqual({
      changed: false,
      refetch: 'fresh',
    });
    expect(applyFleetEvent(map, event('node.online', {}, 'node.unknown'))).toEqual({
      changed: false,
      refetch: 'unknown',
    });
    expect(applyFleetEvent(map, event('node.config_reported', { nodeId: 'web-2' }))).toEqual({ changed: false });
    // A label change is the whole new set: the label filter's choices and matches follow it.
    expect(applyFleetEvent(map, event('node.labels_changed', { nodeId: 'web-2', labels: { env: 'staging' } }))).toEqual(
      { changed: true },
    );
    expect(map.get('web-2')?.labels).toEqual({ env: 'staging' });
    expect(labelChoices(map.values())).toContain('env=staging');
    expect(ids(selectRows(map.values(), filters({ labels: ['env=staging'] }), collator))).toContain('web-2');
    // Labels it cannot read: the node is read again.
    expect(applyFleetEvent(map, event('node.labels_changed', { nodeId: 'web-2', labels: { env: 1 } }))).toEqual({
      changed: false,
      refetch: 'web-2',
    });
    expect(applyFleetEvent(map, event('node.online', {}, 'alert.x'))).toEqual({ changed: false });
  });

  it('renders only the rows in view (and a few around them)', () => {
    expect(visibleRange(0, 360, 36, 10_000, 5)).toEqual({ from: 0, to: 16 });
    expect(visibleRange(36 * 5000, 360, 36, 10_000, 5)).toEqual({ from: 4995, to: 5016 });
    expect(visibleRange(36 * 9999, 360, 36, 10_000, 5)).toEqual({ from: 9994, to: 10_000 });
    expect(visibleRange(0, 360, 36, 3)).toEqual({ from: 0, to: 3 });
  });
});
