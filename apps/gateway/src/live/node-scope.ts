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
 * socket needs them and they are older than asked, and kept current between reads by
 * `node.registered` events (the only event that sets a node's labels) that the fleet feed sees.
 * One copy per process, whatever the number of scopes; its size is the registry's.
 */
@Injectable()
export class NodeScope {
  private labels = new Map<string, Labels>();
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

  /** A registration seen on the fleet feed: its labels hold from now on, before any socket sees the event. */
  observe(delivery: LiveEventDelivery): void {
    const { type, data } = delivery.event;
    if (type !== 'node.registered') return;
    const { nodeId, labels } = data as { nodeId: string; labels: Labels };
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
