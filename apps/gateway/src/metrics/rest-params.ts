import {
  type LatestRequest,
  type NodeSelector,
  type RangeQueryRequest,
  type TopKRequest,
  ValidationError,
} from '@vigil/contracts';
import { parseMatchers } from './promql';
import { restStep, restTime } from './time-params';

/** A query string as Express parses it: repeated keys become arrays. */
export type QueryParams = Record<string, unknown>;

/** Every value of a parameter, given as `name`, `name[]`, repeated, or comma separated when `split`. */
export function many(q: QueryParams, name: string, split = false): string[] {
  const raw = [q[name], q[`${name}[]`]].flat().filter((v): v is string => typeof v === 'string' && v !== '');
  return split ? raw.flatMap((v) => v.split(',').map((s) => s.trim())).filter(Boolean) : raw;
}

export function one(q: QueryParams, name: string): string | undefined {
  const values = many(q, name);
  if (values.length > 1) throw new ValidationError(`${name} is given ${values.length} times`);
  return values[0];
}

const int = (q: QueryParams, name: string) => {
  const v = one(q, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new ValidationError(`${name}: "${v}" is not a whole number`);
  return Number(v);
};

/** `node=a&node=b` (or `node=a,b`) and `node_label=rack=r1&node_label=env=prod`. */
function nodes(q: QueryParams): NodeSelector | undefined {
  const ids = many(q, 'node', true);
  const pairs = many(q, 'node_label');
  if (ids.length === 0 && pairs.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new ValidationError(`node_label: "${p}" is not name=value`);
    labels[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return { ...(ids.length ? { ids } : {}), ...(pairs.length ? { labels } : {}) };
}

/** Common to every metrics query: the metric, `match[]` matchers (PromQL syntax) and the node selector. */
function selection(q: QueryParams) {
  return {
    metric: one(q, 'metric'),
    matchers: many(q, 'match').flatMap(parseMatchers),
    nodes: nodes(q),
  };
}

export function rangeRequest(q: QueryParams, nowMs: number): RangeQueryRequest {
  const agg = one(q, 'agg');
  return {
    ...selection(q),
    metric: one(q, 'metric') as string,
    start: restTime(one(q, 'start'), 'start', nowMs),
    end: restTime(one(q, 'end'), 'end', nowMs, nowMs),
    step: restStep(one(q, 'step')),
    stat: one(q, 'stat') as RangeQueryRequest['stat'],
    ...(agg ? { aggregate: { op: agg as 'avg', by: many(q, 'by', true) } } : {}),
  };
}

export function topKRequest(q: QueryParams, nowMs: number): TopKRequest {
  const start = one(q, 'start');
  const end = one(q, 'end');
  if (end !== undefined && start === undefined)
    throw new ValidationError('end without start: give start (and optionally end) for a range');
  return {
    ...selection(q),
    metric: one(q, 'metric') as string,
    k: int(q, 'k'),
    stat: one(q, 'stat') as TopKRequest['stat'],
    order: one(q, 'order') as TopKRequest['order'],
    ...(start !== undefined
      ? { range: { start: restTime(start, 'start', nowMs), end: restTime(end, 'end', nowMs, nowMs) } }
      : {}),
  };
}

export function latestRequest(q: QueryParams): LatestRequest {
  return selection(q);
}
