import {
  DEFAULT_GROUP_INTERVAL_MS,
  DEFAULT_GROUP_WAIT_MS,
  DEFAULT_REPEAT_INTERVAL_MS,
  type LabelMatcher,
  matchesLabels,
  type Route,
} from '@vigil/contracts';
import { createHash } from 'node:crypto';

/** A route with everything it inherits filled in: where a matching alert goes and how it is grouped. */
export interface ResolvedRoute {
  /** Its place in the tree (`0`, `0.2`, `0.2.1`): part of the group key. */
  id: string;
  receiver: string;
  /** `undefined`: every label (`['...']`). */
  groupBy: string[] | undefined;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  muted: boolean;
}

/** Whether an alert's labels match; `node` is a label like any other here. */
export function alertMatches(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchesLabels(matchers, labels.node ?? '', labels);
}

/**
 * The routes an alert goes to (Alertmanager's semantics): from the root, descend into the first
 * child whose matchers match, and on into its children; a child with `continue` lets the
 * following siblings match too. A route none of whose children match takes the alert itself.
 */
export function routesFor(root: Route, labels: Readonly<Record<string, string>>): ResolvedRoute[] {
  const found: ResolvedRoute[] = [];
  const walk = (route: Route, id: string, inherited: ResolvedRoute): boolean => {
    if (!alertMatches(route.matchers, labels)) return false;
    const own = resolve(route, id, inherited);
    let matchedChild = false;
    for (const [i, child] of route.routes.entries()) {
      if (!walk(child, `${id}.${i}`, own)) continue;
      matchedChild = true;
      if (!child.continue) break;
    }
    if (!matchedChild) found.push(own);
    return true;
  };
  walk(root, '0', {
    id: '0',
    receiver: root.receiver ?? '',
    groupBy: [],
    groupWaitMs: DEFAULT_GROUP_WAIT_MS,
    groupIntervalMs: DEFAULT_GROUP_INTERVAL_MS,
    repeatIntervalMs: DEFAULT_REPEAT_INTERVAL_MS,
    muted: false,
  });
  return found;
}

function resolve(route: Route, id: string, parent: ResolvedRoute): ResolvedRoute {
  return {
    id,
    receiver: route.receiver ?? parent.receiver,
    groupBy: route.groupBy === undefined ? parent.groupBy : route.groupBy[0] === '...' ? undefined : route.groupBy,
    groupWaitMs: route.groupWait ?? parent.groupWaitMs,
    groupIntervalMs: route.groupInterval ?? parent.groupIntervalMs,
    repeatIntervalMs: route.repeatInterval ?? parent.repeatIntervalMs,
    muted: route.muted ?? parent.muted,
  };
}

/** The labels an alert's group is told apart by on this route. */
export function groupLabelsOf(route: ResolvedRoute, labels: Readonly<Record<string, string>>): Record<string, string> {
  if (route.groupBy === undefined) return { ...labels };
  const out: Record<string, string> = {};
  for (const name of route.groupBy) if (labels[name] !== undefined) out[name] = labels[name];
  return out;
}

/**
 * A stable key of (route, group labels): the same after a restart, so the notification log of a
 * group is found again. Readable prefix, hashed labels (they can be long).
 */
export function groupKeyOf(route: ResolvedRoute, groupLabels: Readonly<Record<string, string>>): string {
  const canonical = JSON.stringify(
    Object.keys(groupLabels)
      .sort()
      .map((k) => [k, groupLabels[k]]),
  );
  const digest = createHash('sha256').update(`${route.id}\0${route.receiver}\0${canonical}`).digest('hex').slice(0, 16);
  return `${route.receiver}/${route.id}/${digest}`;
}
