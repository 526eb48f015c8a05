import { AlertRule, type AlertRuleInput, type OfflineRule } from '@vigil/contracts';
import type { Condition } from './condition';
import { nodeEvent } from './kind-fixtures';
import { OfflineEvaluator } from './offline.evaluator';

const rule = (over: Partial<AlertRuleInput> = {}) =>
  AlertRule.parse({
    id: 'node-down',
    name: 'NodeDown',
    kind: 'offline',
    severity: 'critical',
    for: '2m',
    ...over,
  } as AlertRuleInput) as OfflineRule;
const T = 1_764_000_000_000;

describe('OfflineEvaluator', () => {
  let out: Condition[];
  const seen = () =>
    out.splice(0).map((c) => `${c.ruleId} ${c.labels.node} ${c.holds ? 'offline' : 'online'} @${c.at - T}`);
  beforeEach(() => (out = []));

  it('holds from a node’s offline event and clears on its online event; repeats change nothing', () => {
    const e = new OfflineEvaluator((c) => out.push(c));
    e.setRules([rule()]);
    e.goLive();
    e.see(nodeEvent('node.registered', 'n1', T));
    e.see(nodeEvent('node.online', 'n1', T));
    e.see(nodeEvent('node.offline', 'n1', T + 1000));
    e.see(nodeEvent('node.offline', 'n1', T + 2000));
    e.see(nodeEvent('node.online', 'n1', T + 3000));
    expect(seen()).toEqual(['node-down n1 offline @1000', 'node-down n1 online @3000']);
    e.see(nodeEvent('node.offline', 'n1', T + 4000));
    expect(out[0].labels).toEqual({ node: 'n1', alertname: 'NodeDown', severity: 'critical' });
  });

  it('selects nodes by their registered labels', () => {
    const e = new OfflineEvaluator((c) => out.push(c));
    e.setRules([rule({ id: 'gpu-node-down', nodeLabels: { role: 'gpu' } })]);
    e.goLive();
    for (const [n, role] of [
      ['g1', 'gpu'],
      ['w1', 'web'],
    ]) {
      e.see(nodeEvent('node.registered', n, T, { role }));
      e.see(nodeEvent('node.offline', n, T + 1));
    }
    expect(seen()).toEqual(['gpu-node-down g1 offline @1']);
  });

  it('folds the history without reporting, then reports every node as it stands; a new rule sees the offline nodes', () => {
    const e = new OfflineEvaluator((c) => out.push(c));
    e.setRules([rule()]);
    for (const [type, n, t] of [
      ['node.registered', 'a', 0],
      ['node.online', 'a', 0],
      ['node.offline', 'a', 50],
      ['node.online', 'a', 60],
      ['node.registered', 'b', 0],
      ['node.online', 'b', 0],
      ['node.offline', 'b', 70],
    ] as const) {
      e.see(nodeEvent(type, n, T + t));
    }
    expect(out).toEqual([]);
    e.goLive();
    expect(seen()).toEqual(['node-down a online @60', 'node-down b offline @70']);
    e.setRules([rule(), rule({ id: 'agent-offline', name: 'AgentOffline', for: '5m' })]);
    expect(seen()).toEqual(['agent-offline b offline @70']);
  });
});
