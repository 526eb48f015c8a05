import {
  type LabelNamesReply,
  type LabelNamesRequest,
  type LabelValuesReply,
  type LabelValuesRequest,
  NODE_LABEL,
} from '@vigil/contracts';
import type { Database } from '@vigil/platform';

/** Label values listed at most (a UI picker, not an export). */
const MAX_VALUES = 10_000;
/** Answers are kept this long: label pickers ask often, and the fleet-wide ones read every series. */
const TTL_MS = 15_000;

/**
 * Label names and values for query editors (Grafana's Prometheus data source asks for them).
 * Metric names and node ids come from the series table's indexes by skip scan; names and
 * values of sample labels scan the series (of one metric, when given), hence the short cache.
 */
export class LabelQueries {
  private readonly cache = new Map<string, { at: number; value: string[] }>();

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async names(req: LabelNamesRequest): Promise<LabelNamesReply> {
    const names = await this.cached(`names:${req.metric ?? ''}`, async () => {
      const rows = await this.db.query<{ k: string }>(
        'labels_names',
        `SELECT DISTINCT jsonb_object_keys(labels) AS k FROM metrics.series ${req.metric ? 'WHERE metric = $1' : ''}`,
        req.metric ? [req.metric] : [],
      );
      return rows.map((r) => r.k);
    });
    return { names: ['__name__', NODE_LABEL, ...names.filter((n) => n !== NODE_LABEL && n !== '__name__')].sort() };
  }

  async values(req: LabelValuesRequest): Promise<LabelValuesReply> {
    const values = await this.cached(`values:${req.label}:${req.metric ?? ''}`, () => this.read(req));
    return { values };
  }

  private async read(req: LabelValuesRequest): Promise<string[]> {
    if (req.label === '__name__') {
      if (!req.metric) return this.skipScan('metric');
      const known = await this.db.query(
        'labels_metric_known',
        'SELECT 1 FROM metrics.series WHERE metric = $1 LIMIT 1',
        [req.metric],
      );
      return known.length ? [req.metric] : [];
    }
    if (req.label === NODE_LABEL && !req.metric) return this.skipScan('node_id');
    const column = req.label === NODE_LABEL ? 'node_id' : 'labels ->> $1';
    const params: unknown[] = req.label === NODE_LABEL ? [] : [req.label];
    const where = [`${column} IS NOT NULL`];
    if (req.metric) where.push(`metric = $${params.push(req.metric)}`);
    const rows = await this.db.query<{ v: string }>(
      'labels_values',
      `SELECT DISTINCT ${column} AS v FROM metrics.series WHERE ${where.join(' AND ')} ORDER BY 1 LIMIT ${MAX_VALUES}`,
      params,
    );
    return rows.map((r) => r.v);
  }

  /** Distinct values of a leading index column, one index probe each (a loose index scan). */
  private async skipScan(column: 'metric' | 'node_id'): Promise<string[]> {
    const rows = await this.db.query<{ v: string }>(
      `labels_distinct_${column}`,
      `WITH RECURSIVE d(v) AS (
         (SELECT ${column} FROM metrics.series ORDER BY ${column} LIMIT 1)
         UNION ALL
         SELECT (SELECT s.${column} FROM metrics.series s WHERE s.${column} > d.v ORDER BY s.${column} LIMIT 1)
           FROM d WHERE d.v IS NOT NULL
       )
       SELECT v FROM d WHERE v IS NOT NULL LIMIT ${MAX_VALUES}`,
    );
    return rows.map((r) => r.v);
  }

  private async cached(key: string, read: () => Promise<string[]>): Promise<string[]> {
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < TTL_MS) return hit.value;
    const value = await read();
    this.cache.set(key, { at: this.now(), value });
    if (this.cache.size > 1000) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }
}
