import type { Heartbeat, NodeEvent } from '@vigil/contracts';
import type { NewEvent } from '@vigil/event-store';
import { deciderSpec } from '@vigil/test-support';
import { decideNode, evolveNode, initialNodeState } from './node.decider';

const heartbeat: Heartbeat = {
  nodeId: 'n1',
  seq: 1,
  sentAt: '2026-11-22T10:00:00.000Z',
  hostname: 'web-1',
  agentVersion: '0.1.0',
  uptimeSeconds: 10,
  intervalMs: 5000,
  labels: { env: 'prod' },
};

/** given(events).when(command).then(events) */
const { given } = deciderSpec(
  { decide: decideNode, evolve: evolveNode, initialState: initialNodeState },
  { subject: 'node.n1', occurredAt: '2026-11-22T10:00:00.000Z', actor: 'test' },
);

const registered: NewEvent<NodeEvent> = {
  type: 'node.registered',
  data: { nodeId: 'n1', hostname: 'web-1', labels: { env: 'prod' }, agentVersion: '0.1.0' },
};
const online = (at: string): NewEvent<NodeEvent> => ({ type: 'node.online', data: { nodeId: 'n1', lastSeenAt: at } });
const offline = (at: string): NewEvent<NodeEvent> => ({
  type: 'node.offline',
  data: { nodeId: 'n1', lastSeenAt: at, timeoutMs: 15000 },
});
const T0 = '2026-11-22T10:00:00.000Z';
const T1 = '2026-11-22T10:00:20.000Z';
const T2 = '2026-11-22T10:00:40.000Z';

describe('node decider', () => {
  it('registers an unknown node on its first heartbeat and brings it online', () => {
    given()
      .when({ type: 'RecordHeartbeat', heartbeat, receivedAt: new Date(T0) })
      .then([registered, online(T0)]);
  });

  it('decides nothing for a heartbeat of a node already online', () => {
    given(registered, online(T0))
      .when({ type: 'RecordHeartbeat', heartbeat, receivedAt: new Date(T1) })
      .then([]);
  });

  it('brings an offline node back online', () => {
    given(registered, online(T0), offline(T0))
      .when({ type: 'RecordHeartbeat', heartbeat, receivedAt: new Date(T1) })
      .then([online(T1)]);
  });

  it('ignores a late heartbeat from before the node was declared offline', () => {
    given(registered, online(T0), offline(T1))
      .when({ type: 'RecordHeartbeat', heartbeat, receivedAt: new Date(T0) })
      .then([]);
  });

  it('marks an online node offline once, and never an offline or unknown one', () => {
    given(registered, online(T0))
      .when({ type: 'MarkOffline', lastSeenAt: new Date(T0), timeoutMs: 15000 })
      .then([offline(T0)]);
    given(registered, online(T0), offline(T0))
      .when({ type: 'MarkOffline', lastSeenAt: new Date(T0), timeoutMs: 15000 })
      .then([]);
    given()
      .when({ type: 'MarkOffline', lastSeenAt: new Date(T0), timeoutMs: 15000 })
      .then([]);
  });

  it('a sighting brings back only a known, offline node', () => {
    given(registered, online(T0), offline(T1))
      .when({ type: 'RecordSighting', nodeId: 'n1', receivedAt: new Date(T2) })
      .then([online(T2)]);
    given()
      .when({ type: 'RecordSighting', nodeId: 'n1', receivedAt: new Date(T2) })
      .then([]);
  });

  it('records the configuration an agent reports only when it changes', () => {
    const applied = { version: 'file:1+fleet:3', status: 'applied' as const };
    const reported: NewEvent<NodeEvent> = { type: 'node.config_reported', data: { nodeId: 'n1', config: applied } };
    given(registered).when({ type: 'RecordConfig', nodeId: 'n1', config: applied }).then([reported]);
    given(registered, reported).when({ type: 'RecordConfig', nodeId: 'n1', config: applied }).then([]);
    const rejected = { ...applied, status: 'rejected' as const, error: 'sampleIntervalMs: too small' };
    given(registered, reported)
      .when({ type: 'RecordConfig', nodeId: 'n1', config: rejected })
      .then([{ type: 'node.config_reported', data: { nodeId: 'n1', config: rejected } }]);
    given().when({ type: 'RecordConfig', nodeId: 'n1', config: applied }).then([]);
  });

  it('records inventory only when its hash changes, and only for a registered node', () => {
    const inventory = {
      nodeId: 'n1',
      collectedAt: T0,
      hostname: 'web-1b',
      os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64' },
      cpu: { model: 'x', cores: 2, physicalCores: 1 },
      memoryBytes: 1,
      disks: [],
      interfaces: [],
      gpus: [],
      agentVersion: '0.1.0',
      labels: { env: 'prod' },
    };
    const changed: NewEvent<NodeEvent> = {
      type: 'node.inventory_changed',
      data: { nodeId: 'n1', hash: 'h1', inventory },
    };
    given(registered).when({ type: 'RecordInventory', inventory, hash: 'h1' }).then([changed]);
    given(registered, changed).when({ type: 'RecordInventory', inventory, hash: 'h1' }).then([]);
    given()
      .when({ type: 'RecordInventory', inventory, hash: 'h1' })
      .thenThrows(/not registered/);
  });
});

describe('labels', () => {
  const labelsChanged = (labels: Record<string, string>): NewEvent<NodeEvent> => ({
    type: 'node.labels_changed',
    data: { nodeId: 'n1', labels },
  });
  const inventory = (labels: Record<string, string>) => ({
    nodeId: 'n1',
    collectedAt: T0,
    hostname: 'web-1',
    os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64' },
    cpu: { model: 'x', cores: 2, physicalCores: 1 },
    memoryBytes: 1,
    disks: [],
    interfaces: [],
    gpus: [],
    agentVersion: '0.1.0',
    labels,
  });

  it('changes them when the inventory reports others, the whole set, and not again for the same', () => {
    const moved = inventory({ env: 'staging', team: 'web' });
    const changed: NewEvent<NodeEvent> = {
      type: 'node.inventory_changed',
      data: { nodeId: 'n1', hash: 'h2', inventory: moved },
    };
    given(registered)
      .when({ type: 'RecordInventory', inventory: moved, hash: 'h2' })
      .then([changed, labelsChanged({ env: 'staging', team: 'web' })]);
    given(registered, changed, labelsChanged({ env: 'staging', team: 'web' }))
      .when({ type: 'RecordInventory', inventory: inventory({ env: 'staging', team: 'web' }), hash: 'h3' })
      .then([
        {
          type: 'node.inventory_changed',
          data: { nodeId: 'n1', hash: 'h3', inventory: inventory({ env: 'staging', team: 'web' }) },
        },
      ]);
    // A label removed is a change; the same labels in another order are not.
    given(registered, labelsChanged({ env: 'staging', team: 'web' }))
      .when({ type: 'RecordInventory', inventory: inventory({ team: 'web' }), hash: 'h4' })
      .then([
        { type: 'node.inventory_changed', data: { nodeId: 'n1', hash: 'h4', inventory: inventory({ team: 'web' }) } },
        labelsChanged({ team: 'web' }),
      ]);
    given(registered, labelsChanged({ env: 'staging', team: 'web' }))
      .when({ type: 'RecordInventory', inventory: inventory({ team: 'web', env: 'staging' }), hash: 'h5' })
      .then([
        {
          type: 'node.inventory_changed',
          data: { nodeId: 'n1', hash: 'h5', inventory: inventory({ team: 'web', env: 'staging' }) },
        },
      ]);
  });

  it('changes them with the heartbeat that brings the node online, never with a late one', () => {
    const hb = { ...heartbeat, labels: { env: 'dev' } };
    given(registered, online(T0), offline(T1))
      .when({ type: 'RecordHeartbeat', heartbeat: hb, receivedAt: new Date(T2) })
      .then([labelsChanged({ env: 'dev' }), online(T2)]);
    given(registered, online(T0), offline(T1))
      .when({ type: 'RecordHeartbeat', heartbeat: hb, receivedAt: new Date(T0) })
      .then([]);
    given(registered, online(T0))
      .when({ type: 'RecordHeartbeat', heartbeat: hb, receivedAt: new Date(T1) })
      .then([]);
    given(registered, online(T0), offline(T1))
      .when({ type: 'RecordHeartbeat', heartbeat, receivedAt: new Date(T2) })
      .then([online(T2)]);
  });
});

describe('maintenance', () => {
  const registered: NewEvent<NodeEvent> = {
    type: 'node.registered',
    data: { nodeId: 'n1', hostname: 'web-1', labels: {}, agentVersion: '0.1.0' },
  };
  const started = (reason: string, until?: string): NewEvent<NodeEvent> => ({
    type: 'node.maintenance_started',
    data: { nodeId: 'n1', reason, ...(until ? { until } : {}) },
  });
  const until = '2026-11-22T12:00:00.000Z';

  it('starts on a registered node, and again only with a new reason or end', () => {
    given(registered)
      .when({ type: 'StartMaintenance', nodeId: 'n1', reason: 'disk swap' })
      .then([started('disk swap')]);
    given(registered, started('disk swap'))
      .when({ type: 'StartMaintenance', nodeId: 'n1', reason: 'disk swap' })
      .then([]);
    given(registered, started('disk swap'))
      .when({ type: 'StartMaintenance', nodeId: 'n1', reason: 'disk swap', until })
      .then([started('disk swap', until)]);
    given()
      .when({ type: 'StartMaintenance', nodeId: 'n1', reason: 'x' })
      .thenThrows(/not registered/);
  });

  it('ends by hand only while in maintenance', () => {
    given(registered, started('disk swap'))
      .when({ type: 'EndMaintenance', nodeId: 'n1', reason: 'manual', now: new Date(until) })
      .then([{ type: 'node.maintenance_ended', data: { nodeId: 'n1', reason: 'manual' } }]);
    given(registered)
      .when({ type: 'EndMaintenance', nodeId: 'n1', reason: 'manual', now: new Date(until) })
      .thenThrows(/not in maintenance/);
    given(registered, started('a'), { type: 'node.maintenance_ended', data: { nodeId: 'n1', reason: 'manual' } })
      .when({ type: 'EndMaintenance', nodeId: 'n1', reason: 'manual', now: new Date(until) })
      .thenThrows(/not in maintenance/);
  });

  it('expires only what is due: not one without an end, nor one started again with a later end', () => {
    const due = new Date(Date.parse(until) + 1);
    given(registered, started('a', until))
      .when({ type: 'EndMaintenance', nodeId: 'n1', reason: 'expired', now: due })
      .then([{ type: 'node.maintenance_ended', data: { nodeId: 'n1', reason: 'expired' } }]);
    given(registered, started('a', until))
      .when({ type: 'EndMaintenance', nodeId: 'n1', reason: 'expired', now: new Date(Date.parse(until) - 1) })
      .then([]);
    given(registered, started('a'))
      .when({ type: 'EndMaintenance', nodeId: 'n1', reason: 'expired', now: due })
      .then([]);
    given(registered, started('a', until), started('a', '2026-11-23T00:00:00.000Z'))
      .when({ type: 'EndMaintenance', nodeId: 'n1', reason: 'expired', now: due })
      .then([]);
    given(registered).when({ type: 'EndMaintenance', nodeId: 'n1', reason: 'expired', now: due }).then([]);
  });
});
