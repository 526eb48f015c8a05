import { Injectable } from '@nestjs/common';
import { type Labels, registryQueries } from '@vigil/contracts';
import { nodeInScope } from '../auth/scope';
import { ServiceClient } from '../http/service-client';
import type { LiveEventDelivery } from './event-topics';

/** Nodes read per request from registry-svc (as nodesInScope does for REST). */
const PAGE = 1000;

/**
 * The labels of every node, for the sockets of keys scoped to node labels: read from
 * registry-svc page by page (it does not filter by labels, see nodesInScope) when a scoped
 * socket needs them and they are older than asked, and kept current between reads by the events
 * that set a node's labels (`node.registered`, `node.labels_changed`) that the fleet feed sees.
 * One copy per process, whatever the number of scopes; its size is the registry's.
 */
@Injectable()
export class NodeScope {
  private labels = new Map<string, Labels>();
  /** The labels a node had before a `node.labels_changed` this process observed, while that delivery lives. */
  private readonly before = new WeakMap<LiveEventDelivery, Labels>();
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(private readonly services: ServiceClient) {}

  /** Reads the registry again when what is held is older than `maxAgeMs`. */
  async refresh(maxAgeMs: number): Promise<void> {
    if (Date.now() - this.loadedAt < maxAgeMs) return;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    await this.loading;
  }

  /** Whether `nodeId` is a node whose labels include the scope's (an unknown node is not). */
  inScope(scope: Labels, nodeId: string | undefined): boolean {
    if (nodeId === undefined) return false;
    const labels = this.labels.get(nodeId);
    return labels !== undefined && nodeInScope({ labels }, scope);
  }

  /**
   * Whether a scoped key sees the event `delivery` about `nodeId`: the node is in its scope now,
   * or the event is the label change that took it out (the key learns that the node left, and
   * nothing about it after). A change replayed on a resumption was not observed here: only the
   * node's labels now count for it.
   */
  sees(scope: Labels, delivery: LiveEventDelivery, nodeId: string | undefined): boolean {
    if (this.inScope(scope, nodeId)) return true;
    const before = this.before.get(delivery);
    return before !== undefined && nodeInScope({ labels: before }, scope);
  }

  /** An event seen on the fleet feed, before any socket sees it: the labels it sets hold from now on. */
  observe(delivery: LiveEventDelivery): void {
    const { type, data } = delivery.event;
    if (type !== 'node.registered' && type !== 'node.labels_changed') return;
    const { nodeId, labels } = data as { nodeId: string; labels: Labels };
    const before = this.labels.get(nodeId);
    if (type === 'node.labels_changed' && before !== undefined) this.before.set(delivery, before);
    this.labels.set(nodeId, labels);
  }

  private async load(): Promise<void> {
    const labels = new Map<string, Labels>();
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.services.ask(registryQueries.listNodes, { limit: PAGE, offset });
      for (const node of page.items) labels.set(node.id, node.labels);
      if (offset + PAGE >= page.total || page.items.length === 0) break;
    }
    this.labels = labels;
    this.loadedAt = Date.now();
  }
}
