import {
  type LabelMatcher,
  LimitExceededError,
  type NodeSelector,
  NotFoundError,
  ValidationError,
} from '@vigil/contracts';
import type { Database } from '@vigil/platform';
import { describeMatcher, matcherConditions, PG_INVALID_REGEX, validateMatchers } from './matchers';

/** One stored series: rollups and the Redis latest hash refer to it by id. */
export interface Series {
  id: number;
  nodeId: string;
  metric: string;
  /** The sample's labels, without the node. */
  labels: Record<string, string>;
}

export interface SeriesFilter {
  /** Every query but `latest` names one metric. */
  metric?: string;
  matchers: readonly LabelMatcher[];
  nodes?: NodeSelector;
}

/** Finds the series a query selects, refusing more than the service allows before any rollup is read. */
export class SeriesSelector {
  constructor(
    private readonly db: Database,
    private readonly maxSeries: number,
  ) {}

  async resolve(filter: SeriesFilter): Promise<Series[]> {
    const rows = await this.select<{ id: number; node_id: string; metric: string; labels: Record<string, string> }>(
      'series_select',
      filter,
      's.id, s.node_id, s.metric, s.labels',
      'ORDER BY s.metric, s.node_id, s.labels_key',
    );
    return rows.map((r) => ({ id: r.id, nodeId: r.node_id, metric: r.metric, labels: r.labels }));
  }

  /**
   * The ids alone, in no particular order: for a query that reads every selected series but
   * answers only a few of them (top-k over a range), which `describe` then names. Same checks
   * and limit as `resolve`.
   */
  async resolveIds(filter: SeriesFilter): Promise<number[]> {
    return (await this.select<{ id: number }>('series_select_ids', filter, 's.id', '')).map((r) => r.id);
  }

  /** The series of `ids` (unknown ids are left out), in the order given. */
  async describe(ids: readonly number[]): Promise<Series[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: number; node_id: string; metric: string; labels: Record<string, string> }>(
      'series_describe',
      'SELECT s.id, s.node_id, s.metric, s.labels FROM metrics.series s WHERE s.id = ANY($1::int[])',
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, { id: r.id, nodeId: r.node_id, metric: r.metric, labels: r.labels }]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  private async select<R>(operation: string, filter: SeriesFilter, columns: string, orderBy: string): Promise<R[]> {
    validateMatchers(filter.matchers);
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (filter.metric !== undefined) where.push(`s.metric = ${p(filter.metric)}`);
    if (filter.nodes?.ids) where.push(`s.node_id = ANY(${p(filter.nodes.ids)}::text[])`);
    if (filter.nodes?.labels) {
      // Node labels live in the read model of the registry's events (see nodes.projection).
      where.push(
        `s.node_id IN (SELECT n.node_id FROM metrics.nodes n WHERE n.labels @> ${p(JSON.stringify(filter.nodes.labels))}::jsonb)`,
      );
    }
    where.push(...matcherConditions(filter.matchers, params));
    let rows: R[];
    try {
      rows = await this.db.query<R>(
        operation,
        `SELECT ${columns} FROM metrics.series s
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ${orderBy} LIMIT ${p(this.maxSeries + 1)}`,
        params,
      );
    } catch (e) {
      if ((e as { code?: string }).code === PG_INVALID_REGEX) {
        const regexes = filter.matchers.filter((m) => m.op === '=~' || m.op === '!~').map(describeMatcher);
        throw new ValidationError(
          `invalid regular expression in matcher ${regexes.join(', ')}: ${(e as Error).message}`,
        );
      }
      throw e;
    }
    if (rows.length > this.maxSeries) {
      throw new LimitExceededError(
        `the query selects more than ${this.maxSeries} series (limit VIGIL_METRICS_MAX_SERIES=${this.maxSeries}); ` +
          'narrow it with label matchers or a node selector',
        { maxSeries: this.maxSeries },
      );
    }
    if (rows.length === 0 && filter.metric !== undefined) await this.assertKnown(filter.metric);
    return rows;
  }

  /** A metric no node ever sent is an error (likely a typo); a known one with no matching series is just empty. */
  private async assertKnown(metric: string): Promise<void> {
    const known = await this.db.query('series_metric_known', 'SELECT 1 FROM metrics.series WHERE metric = $1 LIMIT 1', [
      metric,
    ]);
    if (known.length === 0) throw new NotFoundError(`unknown metric ${metric}`);
  }
}
