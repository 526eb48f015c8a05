import { type LabelMatcher, LimitExceededError, type NodeSelector, NotFoundError } from '@vigil/contracts';
import type { Database } from '@vigil/platform';
import { matcherConditions, regexMatch, validateMatchers } from './matchers';

/** Series read per page while regex matchers are applied in Node. */
const SCAN_PAGE = 5000;

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
      true,
    );
    return rows.map((r) => ({ id: r.id, nodeId: r.node_id, metric: r.metric, labels: r.labels }));
  }

  /**
   * The ids alone, in no particular order: for a query that reads every selected series but
   * answers only a few of them (top-k over a range), which `describe` then names. Same checks
   * and limit as `resolve`.
   */
  async resolveIds(filter: SeriesFilter): Promise<number[]> {
    return (await this.select<{ id: number }>('series_select_ids', filter, 's.id', '', false)).map((r) => r.id);
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

  /** `reread`: whether `columns` need more than the ids a regex scan found (read again, in `orderBy`). */
  private async select<R extends { id: number }>(
    operation: string,
    filter: SeriesFilter,
    columns: string,
    orderBy: string,
    reread: boolean,
  ): Promise<R[]> {
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
    const regex = regexMatch(filter.matchers);
    if (regex) {
      // The regexes run here, on RE2, over the series the other conditions leave (read by id,
      // a page at a time, so a large metric never blocks the event loop for long); the rows
      // are then read in the query's order by their ids.
      const ids = await this.matchingIds(where, params, regex);
      this.assertWithinLimit(ids.length);
      if (ids.length === 0) {
        if (filter.metric !== undefined) await this.assertKnown(filter.metric);
        return [];
      }
      if (!reread) return ids.map((id) => ({ id }) as R);
      return this.db.query<R>(
        operation,
        `SELECT ${columns} FROM metrics.series s WHERE s.id = ANY($1::int[]) ${orderBy}`,
        [ids],
      );
    }
    const rows = await this.db.query<R>(
      operation,
      `SELECT ${columns} FROM metrics.series s
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ${orderBy} LIMIT ${p(this.maxSeries + 1)}`,
      params,
    );
    this.assertWithinLimit(rows.length);
    if (rows.length === 0 && filter.metric !== undefined) await this.assertKnown(filter.metric);
    return rows;
  }

  /** The ids of the series `where` selects and `regex` accepts, up to one more than the limit. */
  private async matchingIds(
    where: readonly string[],
    params: readonly unknown[],
    regex: (nodeId: string, labels: Readonly<Record<string, string>>) => boolean,
  ): Promise<number[]> {
    const ids: number[] = [];
    const after = `$${params.length + 1}`;
    const limit = `$${params.length + 2}`;
    const sql = `SELECT s.id, s.node_id, s.labels FROM metrics.series s
      WHERE ${[...where, `s.id > ${after}`].join(' AND ')} ORDER BY s.id LIMIT ${limit}`;
    let last = 0;
    for (;;) {
      const page = await this.db.query<{ id: number; node_id: string; labels: Record<string, string> }>(
        'series_regex_page',
        sql,
        [...params, last, SCAN_PAGE],
      );
      for (const r of page) {
        if (!regex(r.node_id, r.labels)) continue;
        ids.push(r.id);
        if (ids.length > this.maxSeries) return ids;
      }
      if (page.length < SCAN_PAGE) return ids;
      last = page[page.length - 1].id;
    }
  }

  private assertWithinLimit(count: number): void {
    if (count > this.maxSeries) {
      throw new LimitExceededError(
        `the query selects more than ${this.maxSeries} series (limit VIGIL_METRICS_MAX_SERIES=${this.maxSeries}); ` +
          'narrow it with label matchers or a node selector',
        { maxSeries: this.maxSeries },
      );
    }
  }

  /** A metric no node ever sent is an error (likely a typo); a known one with no matching series is just empty. */
  private async assertKnown(metric: string): Promise<void> {
    const known = await this.db.query('series_metric_known', 'SELECT 1 FROM metrics.series WHERE metric = $1 LIMIT 1', [
      metric,
    ]);
    if (known.length === 0) throw new NotFoundError(`unknown metric ${metric}`);
  }
}
