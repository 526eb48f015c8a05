import type { MaintenanceWindow, MaintenanceWindowEvent, NodeEvent } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import { Database, loadConfig, Observability } from '@vigil/platform';
import { createTestDatabase, type TestDatabase } from '@vigil/test-support';
import { createLogger } from '@vigil/telemetry';
import { RegistryEnv } from '../config';
import { RegistryInit1763800000000 } from '../migrations/1763800000000-registry-init';
import { NodeConfig1763900000000 } from '../migrations/1763900000000-node-config';
import { NodeMaintenance1764700000000 } from '../migrations/1764700000000-node-maintenance';
import { NodesListOrder1765400000000 } from '../migrations/1765400000000-nodes-list-order';
import { MaintenanceWindows1766400000000 } from '../migrations/1766400000000-maintenance-windows';
import { maintenanceWindowsProjection } from './maintenance-windows.projection';
import { nodesProjection } from './nodes.projection';

jest.setTimeout(60_000);

const T = Date.parse('2026-12-01T10:00:00.000Z');
const H = 3_600_000;
let seq = 0;
let ids = 0;

function stored<E extends NodeEvent | MaintenanceWindowEvent>(type: E['type'], data: E['data'], at: number) {
  seq += 1;
  return {
    id: `0190a000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    type,
    version: type === 'node.registered' ? 2 : 1,
    subject: 'test',
    occurredAt: new Date(at).toISOString(),
    data,
    meta: { correlationId: 'c', causationId: null, actor: 'user:ana' },
    seq,
  } as unknown as StoredEvent<E>;
}
const registered = (nodeId: string, labels: Record<string, string>, at = T) =>
  stored<NodeEvent>('node.registered', { nodeId, hostname: nodeId, labels, agentVersion: 't' }, at);
function window(matchers: MaintenanceWindow['matchers'], from = T, to = T + H): MaintenanceWindow {
  ids += 1;
  return {
    id: `0190b000-0000-7000-8000-${String(ids).padStart(12, '0')}`,
    reason: 'power work',
    matchers,
    startsAt: new Date(from).toISOString(),
    endsAt: new Date(to).toISOString(),
    createdBy: 'user:ana',
  };
}
const scheduled = (w: MaintenanceWindow) =>
  stored<MaintenanceWindowEvent>('maintenance_window.scheduled', { window: w }, T);
const rack = (value: string, op: '=' | '=~' = '=') => [{ label: 'rack', op, value }];

/**
 * Which registered nodes each maintenance window selects (`registry.maintenance_window_nodes`),
 * written by two projections that run on their own, against a real Postgres: nodes registered
 * before a window and during it, none registered after it stopped, nodes whose labels change, and
 * a window and a node applied at the same moment in two transactions (the advisory lock: neither
 * misses the other).
 */
describe('maintenance window membership (real Postgres)', () => {
  let tdb: TestDatabase;
  let db: Database;
  const config = loadConfig('registry-svc', 'VIGIL_REGISTRY_PORT', 0, RegistryEnv, {});

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await Database.connect(
      { ...config, DATABASE_URL: tdb.url },
      new Observability('registry-svc', createLogger({ service: 'registry-svc', level: 'silent' })),
      {
        schema: 'registry',
        migrations: [
          RegistryInit1763800000000,
          NodeConfig1763900000000,
          NodeMaintenance1764700000000,
          NodesListOrder1765400000000,
          MaintenanceWindows1766400000000,
        ],
      },
    );
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  const apply = <E extends NodeEvent | MaintenanceWindowEvent>(projection: Projection<E>, event: StoredEvent<E>) =>
    db.source.transaction((tx) => projection.apply(event, tx));
  const node = (e: StoredEvent<NodeEvent>) => apply(nodesProjection, e);
  const win = (e: StoredEvent<MaintenanceWindowEvent>) => apply(maintenanceWindowsProjection, e);
  const members = async (w: MaintenanceWindow) =>
    (
      await db.query<{ node_id: string }>(
        'test',
        'SELECT node_id FROM registry.maintenance_window_nodes WHERE window_id = $1 ORDER BY node_id',
        [w.id],
      )
    ).map((r) => r.node_id);

  it('selects the nodes registered before the window and those registered while it has not stopped', async () => {
    await node(registered('a-1', { rack: '7' }));
    await node(registered('a-2', { rack: '8' }));
    const w = window(rack('7|9', '=~'), T, T + H);
    await win(scheduled(w));
    expect(await members(w)).toEqual(['a-1']);
    await node(registered('a-3', { rack: '9' }, T + H / 2));
    await node(registered('a-4', { rack: '7' }, T + H));
    expect(await members(w)).toEqual(['a-1', 'a-3']);
  });

  it('takes no node registered after a cancellation, and a replay of the windows decides the same', async () => {
    const w = window(rack('5'), T, T + H);
    await node(registered('b-1', { rack: '5' }));
    await win(scheduled(w));
    const cancelled = stored<MaintenanceWindowEvent>(
      'maintenance_window.cancelled',
      { windowId: w.id, at: new Date(T + 60_000).toISOString() },
      T + 60_000,
    );
    await win(cancelled);
    await node(registered('b-2', { rack: '5' }, T + 120_000));
    expect(await members(w)).toEqual(['b-1']);
    const [row] = await db.query<{ stops_at: Date; cancelled_by: string }>(
      'test',
      'SELECT stops_at, cancelled_by FROM registry.maintenance_windows WHERE id = $1',
      [w.id],
    );
    expect([row.stops_at.getTime(), row.cancelled_by]).toEqual([T + 60_000, 'user:ana']);

    await db.source.transaction((tx) => maintenanceWindowsProjection.reset(tx));
    expect(await members(w)).toEqual([]);
    await win(scheduled(w));
    await win(cancelled);
    expect(await members(w)).toEqual(['b-1']);
  });

  it('follows a node whose labels change (its inventory): it joins and leaves the windows not stopped yet', async () => {
    const inventory = (nodeId: string, labels: Record<string, string>, at: number) =>
      stored<NodeEvent>(
        'node.inventory_changed',
        { nodeId, hash: `h${seq}`, inventory: { nodeId, hostname: nodeId, labels } } as never,
        at,
      );
    const w = window(rack('6'), T, T + H);
    await win(scheduled(w));
    await node(registered('d-1', { rack: '6' }));
    expect(await members(w)).toEqual(['d-1']);
    await node(inventory('d-1', { rack: '1' }, T + 60_000));
    expect(await members(w)).toEqual([]);
    await node(inventory('d-1', { rack: '6' }, T + 120_000));
    expect(await members(w)).toEqual(['d-1']);
    // A new window selects by the labels of the latest inventory, not those of the registration.
    await node(registered('d-2', { rack: '1' }));
    await node(inventory('d-2', { rack: '6' }, T + 1000));
    const later = window(rack('6'), T, T + H);
    await win(scheduled(later));
    expect(await members(later)).toEqual(['d-1', 'd-2']);
    // A window that stopped keeps the members it had.
    await node(inventory('d-1', { rack: '1' }, T + 2 * H));
    expect(await members(w)).toEqual(['d-1', 'd-2']);
  });

  it('misses no node registered at the same moment as a window, whichever commits first', async () => {
    const windows: MaintenanceWindow[] = [];
    for (let i = 0; i < 20; i++) {
      const w = window([{ label: 'batch', op: '=', value: String(i) }]);
      windows.push(w);
      await Promise.all([win(scheduled(w)), node(registered(`c-${i}`, { batch: String(i) }))]);
    }
    for (const [i, w] of windows.entries()) expect(await members(w)).toEqual([`c-${i}`]);
  });
});
