import { type AbsentRule, AlertRule, type AlertRuleInput, type SampleBatch } from '@vigil/contracts';
import { AbsentEvaluator } from './absent.evaluator';
import { alertOf, type Condition } from './condition';
import type { GroupHolder } from './group-limit';

const rule = (over: Partial<AlertRuleInput> = {}) =>
  AlertRule.parse({
    id: 'gpu-down',
    name: 'GPUDown',
    kind: 'absent',
    severity: 'critical',
    metric: 'node_gpu_temperature_celsius',
    by: ['node', 'gpu'],
    for: '3s',
    ...over,
  } as AlertRuleInput) as AbsentRule;
const T = 1_764_000_000_000;
const gpus = (nodeId: string, ...gpu: string[]): SampleBatch => ({
  nodeId,
  seq: 1,
  timestamp: Date.now(),
  intervalMs: 1000,
  samples: [
    ...gpu.map((g) => ({ name: 'node_gpu_temperature_celsius', labels: { gpu: g }, value: 60 })),
    { name: 'node_load1', labels: {}, value: 1 },
  ],
});

describe('AbsentEvaluator', () => {
  let out: Condition[];
  let e: AbsentEvaluator;
  const seen = () =>
    out.splice(0).map((c) => `${c.labels.node}/${c.labels.gpu ?? '-'} ${c.holds ? 'absent' : 'present'} @${c.at - T}`);
  beforeEach(() => {
    jest.useFakeTimers({ now: T });
    out = [];
    e = new AbsentEvaluator((c) => out.push(c));
  });
  afterEach(() => {
    e.stop();
    jest.useRealTimers();
  });

  it('fires a group `for` after its last sample (a timer, no sample needed) and resolves on the next one', () => {
    e.setRules([rule()]);
    e.goLive();
    e.see(gpus('n1', '0', '1'), T);
    expect(seen()).toEqual(['n1/0 present @0', 'n1/1 present @0']);
    jest.advanceTimersByTime(2000);
    e.see(gpus('n1', '0'), Date.now());
    expect(seen()).toEqual([]);
    jest.advanceTimersByTime(1000);
    // GPU 1 last reported at T: absent at T + 3 s; GPU 0 reported at T + 2 s.
    expect(seen()).toEqual(['n1/1 absent @3000']);
    jest.advanceTimersByTime(2000);
    expect(seen()).toEqual(['n1/0 absent @5000']);
    e.see(gpus('n1', '1'), Date.now());
    expect(seen()).toEqual(['n1/1 present @5000']);
    expect(out).toEqual([]);
  });

  it('labels an alert with its `by` group and the rule’s labels; matchers select the series', () => {
    e.setRules([rule({ by: ['node'], labels: { team: 'ml' }, matchers: [{ label: 'gpu', op: '!=', value: '9' }] })]);
    e.goLive();
    e.see(gpus('n2', '9'), T);
    expect(out).toEqual([]);
    e.see(gpus('n2', '0', '1'), T);
    const r = rule({ by: ['node'], labels: { team: 'ml' } });
    const labels = { node: 'n2', team: 'ml', alertname: 'GPUDown', severity: 'critical' };
    expect(alertOf(r, { node: 'n2' }).labels).toEqual(labels);
    expect(out).toEqual([
      {
        ruleId: 'gpu-down',
        fingerprint: alertOf(r, { node: 'n2' }).fingerprint,
        labels,
        at: T,
        holds: false,
        value: null,
      },
    ]);
    expect(e.groups).toBe(1);
  });

  it('records a history before going live, then reports each group as it stands', () => {
    e.setRules([rule()]);
    // Received 2.5 s and 0.5 s before going live.
    e.see(gpus('n1', '0', '1'), T - 2500);
    e.see(gpus('n1', '0'), T - 500);
    expect(out).toEqual([]);
    e.goLive();
    expect(seen()).toEqual(['n1/0 present @-500', 'n1/1 present @-2500']);
    jest.advanceTimersByTime(500);
    expect(seen()).toEqual(['n1/1 absent @500']);
    jest.advanceTimersByTime(2000);
    expect(seen()).toEqual(['n1/0 absent @2500']);
  });

  it('carries groups over a rule change that selects the same series (silent ones fire again), and drops them with the rule', () => {
    e.setRules([rule()]);
    e.goLive();
    e.see(gpus('n1', '0'), T);
    jest.advanceTimersByTime(3000);
    expect(seen()).toEqual(['n1/0 present @0', 'n1/0 absent @3000']);
    // The longer `for` counts from the same last sample: absent again at T + 5 s, as the new alert.
    e.setRules([rule({ for: '5s', labels: { team: 'ml' } })]);
    jest.advanceTimersByTime(1000);
    expect(out).toEqual([]);
    jest.advanceTimersByTime(1000);
    expect(out.splice(0).map((c) => [c.labels.team, c.holds, c.at - T])).toEqual([['ml', true, 5000]]);
    e.setRules([rule({ for: '5s', labels: { team: 'ml' }, by: ['node'] })]);
    expect(e.groups).toBe(0);
    e.setRules([]);
    jest.advanceTimersByTime(60_000);
    expect(out).toEqual([]);
    expect(e.lookbackMs()).toBe(0);
  });

  it('holds at most the limit of groups per rule: new ones are refused (reported), held ones still fire, a changed rule frees its count', () => {
    const refused: [string, GroupHolder][] = [];
    e = new AbsentEvaluator((c) => out.push(c), Date.now, { maxPerRule: 2, refused: (r, h) => refused.push([r, h]) });
    const other = rule({ id: 'other', metric: 'node_load1', by: ['node'] });
    e.setRules([rule(), other]);
    e.goLive();
    e.see(gpus('n1', '0', '1', '2', '3'), T);
    expect(seen()).toEqual(['n1/0 present @0', 'n1/1 present @0', 'n1/- present @0']);
    expect(refused).toEqual([
      ['gpu-down', 'silence_groups'],
      ['gpu-down', 'silence_groups'],
    ]);
    jest.advanceTimersByTime(3000);
    expect(seen()).toEqual(['n1/0 absent @3000', 'n1/1 absent @3000', 'n1/- absent @3000']);
    e.see(gpus('n1', '1'), Date.now());
    expect(seen()).toEqual(['n1/1 present @3000', 'n1/- present @3000']);
    // The rule changed to select other series: its groups go, and with them its count.
    e.setRules([rule({ matchers: [{ label: 'gpu', op: '!=', value: 'x' }] }), other]);
    e.see(gpus('n1', '2', '3'), Date.now());
    expect(seen()).toEqual(['n1/2 present @3000', 'n1/3 present @3000']);
    expect(refused).toHaveLength(2);
    expect(e.groups).toBe(3);
  });
});
