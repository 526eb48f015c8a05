import { type Labels, type ListNodesRequest, type NodeView, registryQueries } from '@vigil/contracts';
import { nodeInScope } from '../auth/scope';
import type { ServiceClient } from '../http/service-client';

/** Nodes read per request from registry-svc. */
const PAGE = 1000;

/**
 * Every node whose labels match a scoped API key's scope. registry-svc does not filter by labels,
 * so every page of the registry is read (one request per 1,000 nodes).
 */
export async function nodesInScope(
  services: ServiceClient,
  scope: Labels,
  filter: Pick<ListNodesRequest, 'status' | 'maintenance'> = {},
): Promise<NodeView[]> {
  const inScope: NodeView[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await services.ask(registryQueries.listNodes, { ...filter, limit: PAGE, offset });
    inScope.push(...page.items.filter((n) => nodeInScope(n, scope)));
    if (offset + PAGE >= page.total || page.items.length === 0) return inScope;
  }
}
