import { type NodeEvent, NODE_LABEL, type OfflineRule } from '@vigil/contracts';
import { sameRule } from '../domain/rule/rule-diff';
import { alertOf, type ConditionSink } from './condition';

interface NodeState {
  labels: Record<string, string>;
  offline: boolean;
  /** When the node last went offline or came back (the event's `occurredAt`). */
  since: number;
}

/**
 * `offline` rules, from the registry's node events: a node's `node.offline` makes its
 * condition hold from the event's time (the alert machine's `for` fires it), `node.online`
 * clears it. `nodeLabels` select nodes by the labels they registered with.
 *
 * Before going live it folds the node events' history into each node's state (no
 * condition is reported for the past); going live reports every node as it stands, which
 * fires the nodes that went offline while no evaluator ran and resolves restored alerts
 * of nodes that came back.
 */
export class OfflineEvaluator {
  private rules = new Map<string, OfflineRule>();
  private readonly nodes = new Map<string, NodeState>();
  private live = false;

  constructor(private readonly emit: ConditionSink) {}

  setRules(rules: readonly OfflineRule[]): void {
    const before = this.rules;
    this.rules = new Map(rules.filter((r) => r.enabled).map((r) => [r.id, r]));
    if (!this.live) return;
    // A new or changed rule is evaluated on every node now (a changed one's alerts were just ended).
    for (const rule of this.rules.values()) {
      const was = before.get(rule.id);
      if (!(was && sameRule(was, rule)))
        for (const [nodeId, n] of this.nodes) if (n.offline) this.report(rule, nodeId, n);
    }
  }

  see(event: NodeEvent): void {
    const at = Date.parse(event.occurredAt);
    const { nodeId } = event.data;
    let n = this.nodes.get(nodeId);
    switch (event.type) {
      case 'node.registered':
        if (!n) this.nodes.set(nodeId, (n = { labels: event.data.labels, offline: false, since: at }));
        n.labels = event.data.labels;
        return;
      case 'node.labels_changed':
        if (n) n.labels = event.data.labels;
        return;
      case 'node.online':
      case 'node.offline': {
        if (!n) this.nodes.set(nodeId, (n = { labels: {}, offline: false, since: at }));
        const offline = event.type === 'node.offline';
        if (n.offline === offline) return;
        n.offline = offline;
        n.since = at;
        if (this.live) for (const rule of this.rules.values()) this.report(rule, nodeId, n);
        return;
      }
      case 'node.inventory_changed':
      case 'node.config_reported':
      // Maintenance mutes notifications (the dispatcher), not evaluation: the alert still shows.
      case 'node.maintenance_started':
      case 'node.maintenance_ended':
        return;
      default: {
        const never: never = event;
        return never;
      }
    }
  }

  goLive(): void {
    if (this.live) return;
    this.live = true;
    for (const rule of this.rules.values()) for (const [nodeId, n] of this.nodes) this.report(rule, nodeId, n);
  }

  stop(): void {
    this.live = false;
  }

  private report(rule: OfflineRule, nodeId: string, n: NodeState): void {
    if (rule.nodeLabels && !Object.entries(rule.nodeLabels).every(([k, v]) => n.labels[k] === v)) return;
    this.emit({
      ruleId: rule.id,
      ...alertOf(rule, { [NODE_LABEL]: nodeId }),
      at: n.since,
      holds: n.offline,
      value: null,
    });
  }
}
