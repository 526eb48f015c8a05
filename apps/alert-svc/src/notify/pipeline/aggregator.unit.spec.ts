import { NotifyConfig, type NotifyConfigInput, type RouteInput, validate } from '@vigil/contracts';
import { type AlertEntry, Aggregator, type Outgoing } from './aggregator';
import { Muting } from './muting';
import { routesFor } from './routing';

const config = (input: Partial<NotifyConfigInput>) =>
  validate(
    NotifyConfig,
    {
      receivers: {
        team: { type: 'webhook', url: 'http://h/' },
        db: { type: 'webhook', url: 'http://d/' },
        quiet: { type: 'webhook', url: 'http://q/', sendResolved: false },
      },
      ...input,
    },
    'notify config',
  );

function setup(input: Partial<NotifyConfigInput>) {
  const c = config(input);
  const muting = new Muting(c.inhibitRules);
  let n = 0;
  const muted: string[] = [];
  const agg = new Aggregator({
    route: c.route!,
    sendResolved: (r) => c.receivers[r].sendResolved,
    muting,
    newId: () => `n${++n}`,
    onMuted: (a, reason) => muted.push(`${a.fingerprint}:${reason.by}`),
  });
  return { agg, muting, muted };
}

let seq = 0;
function alert(labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing'): AlertEntry {
  return {
    fingerprint: labels.fp ?? `fp${++seq}`,
    ruleId: 'r',
    status,
    labels: { alertname: 'HighCPU', severity: 'warning', ...labels },
    annotations: { summary: 's' },
    startsAt: '2026-01-01T00:00:00.000Z',
  };
}
const summary = (out: Outgoing[]) =>
  out.map(
    (o) =>
      `${o.notification.receiver}:${o.notification.status}:${o.notification.alerts.map((a) => `${a.fingerprint}=${a.status}`).join(',')}`,
  );

describe('routesFor', () => {
  const c = config({
    route: {
      receiver: 'team',
      groupBy: ['alertname'],
      routes: [
        { matchers: { severity: 'critical' }, receiver: 'db', continue: true, groupWait: '5s' },
        {
          matchers: [{ label: 'node', op: '=~', value: 'db-.*' }],
          receiver: 'db',
          routes: [{ matchers: [{ label: 'alertname', op: '=~', value: 'Disk.*' }] }],
        },
        { matchers: { team: 'x' }, receiver: 'quiet' },
      ],
    },
  });
  const r = (labels: Record<string, string>) => routesFor(c.route!, labels).map((x) => `${x.id}>${x.receiver}`);

  it('falls back to the root when no child matches', () =>
    expect(r({ alertname: 'A', node: 'web-1' })).toEqual(['0>team']));
  it('stops at the first matching child', () =>
    expect(r({ alertname: 'A', node: 'db-1', team: 'x' })).toEqual(['0.1>db']));
  it('goes on past a child with continue', () =>
    expect(r({ alertname: 'A', severity: 'critical', node: 'db-1' })).toEqual(['0.0>db', '0.1>db']));
  it('anchors regex matchers', () => expect(r({ alertname: 'A', node: 'xdb-1' })).toEqual(['0>team']));
  it('inherits receiver and timings from the parent', () => {
    const [child] = routesFor(c.route!, { alertname: 'A', severity: 'critical' });
    expect(child).toMatchObject({
      receiver: 'db',
      groupBy: ['alertname'],
      groupWaitMs: 5000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 14_400_000,
    });
    // A child matchers list that does not match (Disk.*) leaves the alert with its parent.
    expect(routesFor(c.route!, { alertname: 'Mem', node: 'db-2' }).map((x) => x.id)).toEqual(['0.1']);
    expect(routesFor(c.route!, { alertname: 'DiskFull', node: 'db-2' }).map((x) => x.id)).toEqual(['0.1.0']);
  });
});

describe('NotifyConfig', () => {
  it('names an unknown receiver by its place in the tree', () => {
    expect(() =>
      config({ route: { receiver: 'team', routes: [{ matchers: { a: 'b' } }, { receiver: 'nope' }] } }),
    ).toThrow(/route\.routes\.1\.receiver.*unknown receiver "nope"/);
  });
  it('wants a receiver on the root', () => expect(() => config({ route: {} })).toThrow(/route\.receiver/));
});

describe('Aggregator', () => {
  it('sends the first notification of a new group at once when group_wait is 0', () => {
    const { agg } = setup({ route: { receiver: 'team', groupBy: ['alertname', 'node'] } });
    agg.update(alert({ fp: 'a', node: 'n1' }), 1000);
    expect(agg.nextAt()).toBe(1000);
    expect(summary(agg.due(1000))).toEqual(['team:firing:a=firing']);
    expect(agg.due(1000)).toEqual([]);
  });

  it('waits group_wait for a new group, then group_interval for changes, and sends resolved', () => {
    const { agg } = setup({
      route: { receiver: 'team', groupBy: ['alertname'], groupWait: '30s', groupInterval: '5m' },
    });
    agg.update(alert({ fp: 'a', node: 'n1' }), 0);
    agg.update(alert({ fp: 'b', node: 'n2' }), 10_000);
    expect(agg.due(29_999)).toEqual([]);
    const first = agg.due(30_000);
    expect(summary(first)).toEqual(['team:firing:a=firing,b=firing']);
    expect(first[0].notification.groupLabels).toEqual({ alertname: 'HighCPU' });
    expect(first[0].notification.commonLabels).toEqual({ alertname: 'HighCPU', severity: 'warning' });
    agg.update(alert({ fp: 'c', node: 'n3' }), 40_000);
    expect(agg.nextAt()).toBe(330_000);
    agg.update(alert({ fp: 'a', node: 'n1' }, 'resolved'), 50_000);
    expect(summary(agg.due(330_000))).toEqual(['team:firing:b=firing,c=firing,a=resolved']);
    agg.update(alert({ fp: 'b', node: 'n2' }, 'resolved'), 400_000);
    agg.update(alert({ fp: 'c', node: 'n3' }, 'resolved'), 400_000);
    expect(summary(agg.due(630_000))).toEqual(['team:resolved:b=resolved,c=resolved']);
    expect(agg.groupCount()).toBe(0);
  });

  it('repeats an unchanged firing group after repeat_interval, and not before', () => {
    const { agg } = setup({ route: { receiver: 'team', repeatInterval: '1h' } });
    agg.update(alert({ fp: 'a' }), 0);
    expect(agg.due(0)).toHaveLength(1);
    expect(agg.nextAt()).toBe(3_600_000);
    expect(agg.due(3_599_999)).toEqual([]);
    expect(summary(agg.due(3_600_000))).toEqual(['team:firing:a=firing']);
  });

  it('sends no resolved notification to a receiver that does not want them', () => {
    const { agg } = setup({ route: { receiver: 'quiet' } });
    agg.update(alert({ fp: 'a' }), 0);
    agg.due(0);
    agg.update(alert({ fp: 'a' }, 'resolved'), 1000);
    expect(agg.due(400_000)).toEqual([]);
    expect(agg.groupCount()).toBe(0);
  });

  it('does not notify a resolved alert it never told of', () => {
    const { agg } = setup({ route: { receiver: 'team', groupWait: '10s' } });
    agg.update(alert({ fp: 'a' }), 0);
    agg.update(alert({ fp: 'a' }, 'resolved'), 5000);
    expect(agg.due(10_000)).toEqual([]);
    expect(agg.groupCount()).toBe(0);
  });

  it('sends one notification per matching route (continue)', () => {
    const routes: RouteInput[] = [
      { matchers: { severity: 'critical' }, receiver: 'db', continue: true },
      { matchers: { alertname: 'HighCPU' }, receiver: 'quiet' },
    ];
    const { agg } = setup({ route: { receiver: 'team', routes } });
    agg.update(alert({ fp: 'a', severity: 'critical' }), 0);
    expect(summary(agg.due(0)).sort()).toEqual(['db:firing:a=firing', 'quiet:firing:a=firing']);
    // The root takes an alert only when no child does.
    agg.update(alert({ fp: 'b', alertname: 'Other' }), 0);
    expect(summary(agg.due(0))).toEqual(['team:firing:b=firing']);
  });

  it('leaves silenced alerts out, and tells of them once the silence ends', () => {
    const { agg, muting, muted } = setup({ route: { receiver: 'team', groupBy: ['node'] } });
    muting.setSilences([
      { id: 's1', matchers: [{ label: 'node', op: '=', value: 'n1' }], startsAt: 0, endsAt: 60_000 },
    ]);
    agg.update(alert({ fp: 'a', node: 'n1' }), 1000);
    agg.update(alert({ fp: 'b', node: 'n2' }), 1000);
    expect(summary(agg.due(1000))).toEqual(['team:firing:b=firing']);
    expect(muted).toEqual(['a:silence']);
    expect(muting.nextBoundary(1000)).toBe(60_000);
    agg.recheck(60_000);
    expect(summary(agg.due(60_000))).toEqual(['team:firing:a=firing']);
  });

  it('mutes the warning of the same node while a critical alert fires (inhibition)', () => {
    const { agg, muting, muted } = setup({
      route: { receiver: 'team', groupBy: ['alertname', 'node'] },
      inhibitRules: [{ source: { severity: 'critical' }, target: { severity: 'warning' }, equal: ['node'] }],
    });
    const crit = alert({ fp: 'c', node: 'n1', severity: 'critical', alertname: 'DiskSpaceCritical' });
    muting.trackSource(crit.fingerprint, crit.labels, true);
    agg.update(crit, 0);
    agg.update(alert({ fp: 'w', node: 'n1', alertname: 'DiskSpaceLow' }), 0);
    agg.update(alert({ fp: 'w2', node: 'n2', alertname: 'DiskSpaceLow' }), 0);
    expect(summary(agg.due(0)).sort()).toEqual(['team:firing:c=firing', 'team:firing:w2=firing']);
    expect(muted).toEqual(['w:inhibition']);
    // The critical one resolves: the warning is told of on the next check.
    muting.trackSource(crit.fingerprint, crit.labels, false);
    agg.update({ ...crit, status: 'resolved' }, 10_000);
    agg.recheck(10_000);
    expect(summary(agg.due(10_000)).sort()).toEqual(['team:firing:w=firing']);
    expect(summary(agg.due(300_000)).sort()).toEqual(['team:resolved:c=resolved']);
  });

  it('an alert that matches both sides of an inhibition rule does not mute itself', () => {
    const { agg, muting } = setup({
      route: { receiver: 'team' },
      inhibitRules: [{ source: { alertname: 'HighCPU' }, target: { alertname: 'HighCPU' }, equal: ['node'] }],
    });
    const a = alert({ fp: 'a', node: 'n1' });
    muting.trackSource(a.fingerprint, a.labels, true);
    agg.update(a, 0);
    expect(agg.due(0)).toHaveLength(1);
  });

  it('mutes the alerts of a node in maintenance', () => {
    const { agg, muting } = setup({ route: { receiver: 'team', groupBy: ['node'] } });
    muting.setMaintenance('n1', Infinity);
    muting.setMaintenance('n2', 10_000);
    agg.update(alert({ fp: 'a', node: 'n1' }), 0);
    agg.update(alert({ fp: 'b', node: 'n2' }), 0);
    expect(agg.due(0)).toEqual([]);
    expect(muting.nodesInMaintenance(0).sort()).toEqual(['n1', 'n2']);
    // n2's maintenance ends by itself at its end.
    expect(muting.nextBoundary(0)).toBe(10_000);
    agg.recheck(10_000);
    expect(summary(agg.due(10_000))).toEqual(['team:firing:b=firing']);
    muting.setMaintenance('n1', false);
    agg.recheck(15_000);
    expect(summary(agg.due(15_000))).toEqual(['team:firing:a=firing']);
  });

  it('mutes the alerts of the nodes a maintenance window selects while it is active, joined late or not', () => {
    const { agg, muting } = setup({ route: { receiver: 'team', groupBy: ['node'] } });
    const window = {
      id: '0190a000-0000-7000-8000-0000000000b1',
      reason: 'rack 7 power work',
      matchers: [{ label: 'rack', op: '=' as const, value: '7' }],
      startsAt: new Date(5_000).toISOString(),
      endsAt: new Date(20_000).toISOString(),
      createdBy: 'user:ana',
    };
    muting.setNodeLabels('n1', { rack: '7' });
    muting.setNodeLabels('n2', { rack: '8' });
    muting.applyWindow({ type: 'maintenance_window.scheduled', data: { window } } as never, 0);
    expect(muting.nextBoundary(0)).toBe(5_000);
    expect(muting.mutedBy('a', { node: 'n1' }, 4_999)).toBeUndefined();
    agg.update(alert({ fp: 'a', node: 'n1' }), 5_000);
    agg.update(alert({ fp: 'b', node: 'n2' }), 5_000);
    expect(summary(agg.due(5_000))).toEqual(['team:firing:b=firing']);
    expect(muting.mutedBy('a', { node: 'n1' }, 5_000)).toEqual({ by: 'maintenance', node: 'n1', window: window.id });
    // A node that registers during the window is in it from its labels alone.
    muting.setNodeLabels('n3', { rack: '7' });
    agg.update(alert({ fp: 'c', node: 'n3' }), 6_000);
    expect(agg.due(6_000)).toEqual([]);
    expect(muting.nodesInMaintenance(6_000).sort()).toEqual(['n1', 'n3']);
    // The window's end is a boundary: the alerts still firing are told of then.
    expect(muting.nextBoundary(6_000)).toBe(20_000);
    agg.recheck(20_000);
    expect(summary(agg.due(20_000)).sort()).toEqual(['team:firing:a=firing', 'team:firing:c=firing']);
  });

  it('follows a node whose labels change (a new inventory) into and out of a maintenance window', () => {
    const { muting } = setup({ route: { receiver: 'team', groupBy: ['node'] } });
    const window = {
      id: '0190a000-0000-7000-8000-0000000000b3',
      reason: 'rack 7 power work',
      matchers: [{ label: 'rack', op: '=' as const, value: '7' }],
      startsAt: new Date(0).toISOString(),
      endsAt: new Date(60_000).toISOString(),
      createdBy: 'user:ana',
    };
    muting.applyWindow({ type: 'maintenance_window.scheduled', data: { window } } as never, 0);
    muting.setNodeLabels('n1', { rack: '8' });
    expect(muting.mutedBy('a', { node: 'n1' }, 1_000)).toBeUndefined();
    muting.setNodeLabels('n1', { rack: '7' });
    expect(muting.mutedBy('a', { node: 'n1' }, 1_000)).toMatchObject({ by: 'maintenance', window: window.id });
    // A node alert-svc has not heard of is in no window (its labels are unknown).
    expect(muting.mutedBy('b', { node: 'unknown' }, 1_000)).toBeUndefined();
  });

  it('ends a cancelled maintenance window at its cancellation', () => {
    const { agg, muting } = setup({ route: { receiver: 'team', groupBy: ['node'] } });
    const id = '0190a000-0000-7000-8000-0000000000b2';
    const window = {
      id,
      reason: 'os upgrade',
      matchers: [{ label: 'node', op: '=~' as const, value: 'n[12]' }],
      startsAt: new Date(0).toISOString(),
      endsAt: new Date(60_000).toISOString(),
      createdBy: 'user:ana',
    };
    muting.setNodeLabels('n1', {});
    muting.applyWindow({ type: 'maintenance_window.scheduled', data: { window } } as never, 0);
    agg.update(alert({ fp: 'a', node: 'n1' }), 1_000);
    expect(agg.due(1_000)).toEqual([]);
    muting.applyWindow(
      { type: 'maintenance_window.cancelled', data: { windowId: id, at: new Date(3_000).toISOString() } } as never,
      3_000,
    );
    agg.recheck(3_000);
    expect(summary(agg.due(3_000))).toEqual(['team:firing:a=firing']);
    expect(muting.nextBoundary(3_000)).toBeUndefined();
  });

  it('after a restart, takes up each group from the notification log: nothing told twice, what changed told', () => {
    const { agg } = setup({ route: { receiver: 'team', groupBy: ['alertname'], groupInterval: '1m' } });
    const a = alert({ fp: 'a' });
    const b = alert({ fp: 'b' });
    agg.update(a, 100_000);
    agg.update({ ...b, status: 'firing' }, 100_000);
    const key = agg.due(100_000)[0].notification.groupKey;

    // A new process: a still fires, b resolved while it was down, c is new.
    const { agg: next } = setup({ route: { receiver: 'team', groupBy: ['alertname'], groupInterval: '1m' } });
    next.restore(a, 130_000);
    next.restore({ ...b, status: 'resolved' }, 130_000);
    next.restore(alert({ fp: 'c' }), 130_000);
    next.restoreNotified(new Map([[key, { firing: ['a', 'b'], at: 100_000 }]]), 130_000);
    expect(next.nextAt()).toBe(160_000);
    expect(summary(next.due(160_000))).toEqual(['team:firing:a=firing,c=firing,b=resolved']);
    expect(next.due(200_000)).toEqual([]);
  });
});
