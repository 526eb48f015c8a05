import { SetMetadata } from '@nestjs/common';
import { ForbiddenError, type LabelMatcher, type Labels, type NodeView } from '@vigil/contracts';
import type { Principal } from './principal';

export const SCOPED_METADATA = 'vigil:scoped';

/**
 * The route applies a scoped API key's node labels itself (with the helpers below); a scoped key
 * is refused on every other route.
 */
export const Scoped = () => SetMetadata(SCOPED_METADATA, true);

/** The node labels the caller is limited to; undefined for an unscoped caller. */
export function scopeOf(principal: Principal | undefined): Labels | undefined {
  return principal?.kind === 'key' ? principal.scope : undefined;
}

export const describeScope = (scope: Labels) =>
  Object.entries(scope)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/**
 * A request's node selector (`{ ids?, labels? }`) narrowed to the scope: the scope's labels are
 * added; a label the request asks for with another value is outside it (403).
 */
export function scopedNodes(nodes: unknown, scope: Labels | undefined): unknown {
  if (!scope) return nodes;
  const given = nodes && typeof nodes === 'object' ? (nodes as { labels?: unknown }) : {};
  const labels = given.labels && typeof given.labels === 'object' ? (given.labels as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(scope))
    if (k in labels && labels[k] !== v) throw new ForbiddenError(`this API key is limited to ${describeScope(scope)}`);
  return { ...given, labels: { ...labels, ...scope } };
}

/** A metrics request (any shape; the service validates it) with its nodes narrowed to the scope. */
export function scopedRequest<T>(request: T, scope: Labels | undefined): T {
  if (!scope) return request;
  const r = request && typeof request === 'object' ? (request as Record<string, unknown>) : {};
  return { ...r, nodes: scopedNodes(r.nodes, scope) } as T;
}

export function nodeInScope(node: Pick<NodeView, 'labels'>, scope: Labels | undefined): boolean {
  return !scope || Object.entries(scope).every(([k, v]) => node.labels[k] === v);
}

/**
 * Whether a silence's matchers (all must match an alert) confine it to the scope: an equality
 * matcher for every label of the scope (`env="prod"`), or `node="<id>"` for a node in the scope
 * (the label every per-node alert carries). Anything else (no such matcher, a regular
 * expression, `!=`) could mute alerts of nodes outside it.
 */
export function silenceInScope(
  matchers: readonly LabelMatcher[],
  scope: Labels,
  nodesInScope: ReadonlySet<string | undefined>,
): boolean {
  const equal = (label: string, value: string) =>
    matchers.some((m) => m.op === '=' && m.label === label && m.value === value);
  if (Object.entries(scope).every(([k, v]) => equal(k, v))) return true;
  return matchers.some((m) => m.op === '=' && m.label === 'node' && nodesInScope.has(m.value));
}
