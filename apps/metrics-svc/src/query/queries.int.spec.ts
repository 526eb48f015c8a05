import {
  labelsKey,
  LimitExceededError,
  NotFoundError,
  RangeQueryRequest,
  TopKRequest,
  LatestRequest,
  validate,
  ValidationError,
} from '@vigil/contracts';
import { Cache, Database, loadConfig, Observability } from '@vigil/platform';
import { createLogger } from '@vigil/telemetry';
import { createTestDatabase, type TestDatabase, testUrls, uniqueId } from '@vigil/test-support';
import { Redis } from 'ioredis';
import { MetricsEnv, retentionOf } from '../config';
import { METRICS_MIGRATIONS } from '../migrations';
import { maintainPartitions } from '../storage/partitions';
import { TierRollup } from '../storage/tier-rollup';
import { LabelQueries } from './labels.query';
import type { LatestValue } from '../storage/latest-codec';
import { writeLatest } from '../storage/latest.writer';
import { latestQuery } from './latest.query';
import type { QueryContext } from './query-context';
import { RangeCache } from './range-cache';
import { rangeQuery } from './range.query';
import { readCompleteness, readStepPartials, readTopK } from './rollup.reader';
import { SeriesSelector } from './series-selector';
import { planSegments, stepWindow } from './tier-plan';
import { topKQuery } from './topk.query';

jest.setTimeout(30_000);

const S = 1000;
const M = 60_000;
const H = 3600_000;

interface Row {
  bucket: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  lastAt: number;
}
/** A bucket whose samples all had value `v`. */
const flat = (bucket: number, v: number, count = 1, lastAt = bucket + 5 * S): Row => ({
  bucket,
  min: v,
  max: v,
  sum: v * count,
  count,
  last: v,
  lastAt,
});

describe('metrics queries (Postgres, Redis)', () => {
  let tdb: TestDatabase;
  let db: Database;
  let cache: Cache;
  let ctx: QueryContext;
  const config = loadConfig('metrics-svc', 'VIGIL_METRICS_PORT', 0, MetricsEnv, {});
  // A fixed clock on a 10 s boundary, so buckets and steps line up the same on every run.
  const now = Math.floor(Date.now() / (10 * S)) * 10 * S;
  const minute = Math.floor(now / M) * M;

  const range = (r: RangeQueryRequest) => rangeQuery(ctx, validate(RangeQueryRequest, r, 'request'));
  const topK = (r: TopKRequest) => topKQuery(ctx, validate(TopKRequest, r, 'request'));
  const latest = (r: LatestRequest) => latestQuery(ctx, validate(LatestRequest, r, 'request'));

  async function series(metric: string, nodeId: string, labels: Record<string, string> = {}): Promise<number> {
    const [row] = await db.query<{ id: number }>(
      'test',
      'INSERT INTO metrics.series (node_id, metric, labels, labels_key) VALUES ($1, $2, $3, $4) RETURNING id',
      [nodeId, metric, JSON.stringify(labels), labelsKey(labels)],
    );
    return row.id;
  }

  async function insert(tier: '10s' | '1m' | '1h', seriesId: number, rows: Row[]): Promise<void> {
    await db.query(
      'test',
      `INSERT INTO metrics.rollup_${tier} (series_id, bucket, min, max, sum, count, last, last_at)
       SELECT $1, to_timestamp(b / 1000.0), mn, mx, sm, c, l, to_timestamp(la / 1000.0)
         FROM unnest($2::float8[], $3::float8[], $4::float8[], $5::float8[], $6::bigint[], $7::float8[], $8::float8[]) AS u(b, mn, mx, sm, c, l, la)`,
      [
        seriesId,
        ...(['bucket', 'min', 'max', 'sum', 'count', 'last', 'lastAt'] as const).map((k) => rows.map((r) => r[k])),
      ],
    );
  }

  /** The live view of a node's only series of `metric`, as the ingest writes it. */
  async function setLatest(metric: string, nodeId: string, seriesId: number, v: LatestValue): Promise<void> {
    await writeLatest(cache, [{ metric, nodeId, slots: [{ id: seriesId, recent: v }] }]);
  }

  async function watermarks(oneMinute: number, oneHour: number, tenMinutes = 0): Promise<void> {
    await db.query('test', `UPDATE metrics.rollup_watermarks SET through = to_timestamp($2 / 1000.0) WHERE tier = $1`, [
      '1m',
      oneMinute,
    ]);
    await db.query('test', `UPDATE metrics.rollup_watermarks SET through = to_timestamp($2 / 1000.0) WHERE tier = $1`, [
      '10m',
      tenMinutes,
    ]);
    await db.query('test', `UPDATE metrics.rollup_watermarks SET through = to_timestamp($2 / 1000.0) WHERE tier = $1`, [
      '1h',
      oneHour,
    ]);
  }

  beforeAll(async () => {
    tdb = await createTestDatabase();
    const obs = new Observability('metrics-svc', createLogger({ service: 'metrics-svc', level: 'silent' }));
    db = await Database.connect({ ...config, DATABASE_URL: tdb.url }, obs, {
      schema: 'metrics',
      migrations: METRICS_MIGRATIONS,
    });
    await maintainPartitions(db.dataSource, 'metrics', retentionOf(config), now);
    cache = new Cache(new Redis(testUrls.redis), `${uniqueId('vigil-test-')}:`);
    ctx = {
      db,
      cache,
      selector: new SeriesSelector(db, config.VIGIL_METRICS_MAX_SERIES),
      retention: retentionOf(config),
      maxPoints: config.VIGIL_METRICS_MAX_POINTS,
      maxReplyBytes: () => 1024 * 1024,
      partitions: 1,
      rangeCache: new RangeCache(64 * 1024 * 1024),
      logger: obs.logger,
      now: () => now,
    };
  });
  afterAll(async () => {
    const keys = await cache.redis.keys(`${cache.prefix}*`);
    if (keys.length) await cache.redis.del(...keys);
    await cache.close();
    await db.close();
    await tdb.drop();
  });
  beforeEach(() => watermarks(0, 0));

  describe('range', () => {
    it('re-buckets 10 s rows into step points with each statistic', async () => {
      const id = await series('test_stats', 'n1');
      const base = minute - 30 * M;
      // Bucket i: samples 2, min i, max i + 10, sum 2 (i + 5), last i + 1.
      const rows = Array.from({ length: 12 }, (_, i) => ({
        bucket: base + i * 10 * S,
        min: i,
        max: i + 10,
        sum: 2 * (i + 5),
        count: 2,
        last: i + 1,
        lastAt: base + i * 10 * S + 7 * S,
      }));
      await insert('10s', id, rows);
      const q = (stat: string) =>
        range({ metric: 'test_stats', start: base, end: base + 2 * M, step: 30 * S, stat: stat as 'avg' });
      const values = async (stat: string) => (await q(stat)).series[0].points;
      const at = (p: number) => base + p * 30 * S;
      // Point p covers buckets 3p, 3p + 1, 3p + 2.
      expect(await values('avg')).toEqual([0, 1, 2, 3].map((p) => [at(p), (2 * (9 * p + 3 + 15)) / 6]));
      expect(await values('min')).toEqual([0, 1, 2, 3].map((p) => [at(p), 3 * p]));
      expect(await values('max')).toEqual([0, 1, 2, 3].map((p) => [at(p), 3 * p + 12]));
      expect(await values('sum')).toEqual([0, 1, 2, 3].map((p) => [at(p), 2 * (9 * p + 3 + 15)]));
      expect(await values('count')).toEqual([0, 1, 2, 3].map((p) => [at(p), 6]));
      expect(await values('last')).toEqual([0, 1, 2, 3].map((p) => [at(p), 3 * p + 3]));
      const reply = await q('avg');
      expect(reply.tier).toBe('10s');
      expect(reply.step).toBe(30 * S);
      expect(reply.series[0]).toMatchObject({ metric: 'test_stats', labels: { node: 'n1' } });
    });

    it('takes "last" by the time of the sample, whatever order the rows are in', async () => {
      const id = await series('test_last', 'n1');
      const base = minute - 20 * M;
      await insert('10s', id, [
        { ...flat(base + 20 * S, 3), lastAt: base + 21 * S },
        { ...flat(base, 1), lastAt: base + 9 * S },
        { ...flat(base + 10 * S, 2), lastAt: base + 11 * S },
      ]);
      const reply = await range({ metric: 'test_last', start: base, end: base + M, step: M, stat: 'last' });
      expect(reply.series[0].points).toEqual([[base, 3]]);
    });

    it('reads the tier the step calls for, finer tiers where it is not rolled up yet, and aligns to the step', async () => {
      const id = await series('test_tiers', 'n1');
      // The same hour in every tier, with a value telling the tiers apart.
      const hour = Math.floor(now / H) * H - 3 * H;
      await insert('1h', id, [flat(hour, 1000), flat(hour + H, 1000), flat(hour + 2 * H, 1000)]);
      await insert(
        '1m',
        id,
        Array.from({ length: 180 }, (_, i) => flat(hour + i * M, 100)),
      );
      await insert(
        '10s',
        id,
        Array.from({ length: 1080 }, (_, i) => flat(hour + i * 10 * S, 1)),
      );

      // Everything rolled up: a 1 min step reads the 1 min tier only.
      await watermarks(hour + 3 * H, hour + 3 * H);
      let reply = await range({ metric: 'test_tiers', start: hour, end: hour + 10 * M, step: M });
      expect(reply.tier).toBe('1m');
      expect(reply.series[0].points).toEqual(Array.from({ length: 10 }, (_, i) => [hour + i * M, 100]));

      // 1 min rolled up to hour + 5 min: the rest comes from the 10 s tier.
      await watermarks(hour + 5 * M, hour);
      reply = await range({ metric: 'test_tiers', start: hour, end: hour + 10 * M, step: M });
      expect(reply.series[0].points.map((p) => p[1])).toEqual([100, 100, 100, 100, 100, 1, 1, 1, 1, 1]);

      // A 1 h step reads the 1 h tier where complete, then the 1 min tier.
      await watermarks(hour + 3 * H, hour + 2 * H);
      reply = await range({ metric: 'test_tiers', start: hour, end: hour + 3 * H, step: H });
      expect(reply.tier).toBe('1h');
      expect(reply.series[0].points).toEqual([
        [hour, 1000],
        [hour + H, 1000],
        [hour + 2 * H, 100],
      ]);

      // An unaligned start: the first point is the first multiple of the step after it.
      await watermarks(hour + 3 * H, hour + 3 * H);
      reply = await range({ metric: 'test_tiers', start: hour + 90 * S, end: hour + 5 * M, step: M });
      expect(reply.series[0].points.map((p) => p[0])).toEqual([hour + 2 * M, hour + 3 * M, hour + 4 * M]);
    });

    it('falls back to a coarser tier (and its step) when the start is older than the finer tier keeps', async () => {
      const id = await series('test_retention', 'n1');
      const base = minute - 3 * H;
      await insert('1m', id, [flat(base, 7), flat(base + M, 8)]);
      await insert('10s', id, [flat(base, 1)]);
      await watermarks(now, 0);
      const short = { ...ctx, retention: { ...ctx.retention, '10s': H } };
      const reply = await rangeQuery(
        short,
        validate(RangeQueryRequest, { metric: 'test_retention', start: base, end: base + 2 * M, step: 10 * S }, 'r'),
      );
      expect(reply.tier).toBe('1m');
      expect(reply.step).toBe(M);
      expect(reply.series[0].points).toEqual([
        [base, 7],
        [base + M, 8],
      ]);
      // With the default retention the 10 s tier still has it.
      const fine = await range({ metric: 'test_retention', start: base, end: base + 2 * M, step: 10 * S });
      expect(fine.tier).toBe('10s');
      expect(fine.series[0].points).toEqual([[base, 1]]);
    });

    it('merges the open bucket from Redis until Postgres has it', async () => {
      const id = await series('test_open', 'n1');
      const open = now - 10 * S;
      await insert('10s', id, [flat(now - 30 * S, 4, 2), flat(now - 20 * S, 6, 2)]);
      await setLatest('test_open', 'n1', id, {
        lastAt: open + 3 * S,
        last: 9,
        bucket: open,
        min: 8,
        max: 9,
        sum: 17,
        count: 2,
      });
      const q = (step: number, stat: 'avg' | 'max' | 'count' = 'avg') =>
        range({ metric: 'test_open', start: now - M, end: now, step, stat }).then((r) => r.series[0].points);

      expect(await q(10 * S)).toEqual([
        [now - 30 * S, 4],
        [now - 20 * S, 6],
        [open, 8.5],
      ]);
      // At a 30 s step the open bucket joins the point of the buckets beside it.
      const byPoint = new Map<number, { sum: number; count: number }>();
      for (const [bucket, sum] of [
        [now - 30 * S, 8],
        [now - 20 * S, 12],
        [open, 17],
      ]) {
        const t = Math.floor(bucket / (30 * S)) * 30 * S;
        const p = byPoint.get(t) ?? { sum: 0, count: 0 };
        byPoint.set(t, { sum: p.sum + sum, count: p.count + 2 });
      }
      const expected = [...byPoint.entries()].map(([t, p]) => [t, p.sum / p.count]);
      expect((await q(30 * S)).slice(-expected.length)).toEqual(expected);
      expect((await q(10 * S, 'max')).at(-1)).toEqual([open, 9]);

      // Once written, Postgres' row is the bucket: Redis is no longer added to it.
      await insert('10s', id, [{ ...flat(open, 10, 4), max: 12 }]);
      expect((await q(10 * S)).at(-1)).toEqual([open, 10]);
      expect((await q(10 * S, 'count')).at(-1)).toEqual([open, 4]);

      // A Redis bucket outside the range is not merged.
      await setLatest('test_open', 'n1', id, {
        lastAt: now + 3 * S,
        last: 1,
        bucket: now,
        min: 1,
        max: 1,
        sum: 1,
        count: 1,
      });
      expect((await q(10 * S)).map((p) => p[0])).toEqual([now - 30 * S, now - 20 * S, open]);
    });

    it('selects series by label matchers (anchored regexes, node, missing labels) and aggregates by labels', async () => {
      const base = minute - 40 * M;
      for (const [node, cpu, v] of [
        ['a', '0', 10],
        ['a', '1', 20],
        ['a', '12', 30],
        ['b', '0', 40],
        ['b', '1', 50],
      ] as const) {
        await insert('10s', await series('test_cpu', node, { cpu }), [flat(base, v)]);
      }
      await insert('10s', await series('test_cpu', 'c', {}), [flat(base, 100)]);
      const q = async (r: Partial<RangeQueryRequest>) =>
        (await range({ metric: 'test_cpu', start: base, end: base + 10 * S, step: 10 * S, ...r })).series.map((s) => [
          s.labels,
          s.points[0][1],
        ]);

      expect(await q({ matchers: [{ label: 'cpu', op: '=~', value: '1|2' }] })).toEqual([
        [{ cpu: '1', node: 'a' }, 20],
        [{ cpu: '1', node: 'b' }, 50],
      ]);
      expect(
        await q({
          matchers: [
            { label: 'cpu', op: '=~', value: '1.*' },
            { label: 'node', op: '=', value: 'a' },
          ],
        }),
      ).toEqual([
        [{ cpu: '1', node: 'a' }, 20],
        [{ cpu: '12', node: 'a' }, 30],
      ]);
      expect(await q({ matchers: [{ label: 'cpu', op: '=', value: '' }] })).toEqual([[{ node: 'c' }, 100]]);
      expect(
        await q({
          matchers: [
            { label: 'cpu', op: '!=', value: '0' },
            { label: 'node', op: '!~', value: 'b|c' },
          ],
        }),
      ).toEqual([
        [{ cpu: '1', node: 'a' }, 20],
        [{ cpu: '12', node: 'a' }, 30],
      ]);
      expect(await q({ nodes: { ids: ['b', 'c'] } })).toEqual([
        [{ cpu: '0', node: 'b' }, 40],
        [{ cpu: '1', node: 'b' }, 50],
        [{ node: 'c' }, 100],
      ]);

      expect(await q({ aggregate: { op: 'sum', by: ['node'] } })).toEqual([
        [{ node: 'a' }, 60],
        [{ node: 'b' }, 90],
        [{ node: 'c' }, 100],
      ]);
      expect(await q({ aggregate: { op: 'avg', by: ['cpu'] } })).toEqual([
        [{ cpu: '0' }, 25],
        [{ cpu: '1' }, 35],
        [{ cpu: '12' }, 30],
        [{}, 100],
      ]);
      expect(await q({ aggregate: { op: 'max', by: [] } })).toEqual([[{}, 100]]);
      expect(
        await q({ aggregate: { op: 'count', by: [] }, matchers: [{ label: 'cpu', op: '=~', value: '.+' }] }),
      ).toEqual([[{}, 5]]);
      expect(await q({ aggregate: { op: 'min', by: ['node'] }, nodes: { ids: ['a'] } })).toEqual([[{ node: 'a' }, 10]]);
    });

    it('matches regexes on RE2 with PromQL semantics: (?i), classes, alternation, anchoring, "" for a missing label', async () => {
      const base = minute - 50 * M;
      for (const [node, device, v] of [
        ['web-1', 'SDA', 1],
        ['web-1', 'sdb1', 2],
        ['web-2', 'nvme0n1', 3],
        ['db-1', 'sdc', 4],
      ] as const) {
        await insert('10s', await series('test_re2', node, { device }), [flat(base, v)]);
      }
      await insert('10s', await series('test_re2', 'db-2', {}), [flat(base, 5)]);
      const q = async (matchers: RangeQueryRequest['matchers']) =>
        (await range({ metric: 'test_re2', start: base, end: base + 10 * S, step: 10 * S, matchers })).series.map(
          (s) => s.points[0][1],
        );
      // Postgres' `~` refuses `(?i)` inside a pattern; RE2 (Prometheus) takes it anywhere.
      expect(await q([{ label: 'device', op: '=~', value: '(?i)sd[a-c]' }])).toEqual([4, 1]);
      expect(await q([{ label: 'device', op: '=~', value: 'sd[a-c]\\d*' }])).toEqual([4, 2]);
      expect(await q([{ label: 'device', op: '=~', value: 'nvme\\d+n\\d+|SDA' }])).toEqual([1, 3]);
      expect(await q([{ label: 'device', op: '=~', value: 'sd' }])).toEqual([]);
      expect(await q([{ label: 'device', op: '=~', value: '|sdc' }])).toEqual([4, 5]);
      expect(await q([{ label: 'device', op: '!~', value: '.+' }])).toEqual([5]);
      expect(
        await q([
          { label: 'node', op: '=~', value: 'web-.*' },
          { label: 'device', op: '!~', value: '(?i)sda' },
        ]),
      ).toEqual([2, 3]);
    });

    it('answers (a+)+b over hostile label values (32 and 100,000 characters) in linear time, then well-behaved queries', async () => {
      const base = minute - 55 * M;
      for (const [i, value] of ['a'.repeat(32), 'a'.repeat(100_000), `${'a'.repeat(1000)}b`].entries()) {
        await insert('10s', await series('test_redos', `hostile-${i}`, { path: value }), [flat(base, i)]);
      }
      await insert('10s', await series('test_redos', 'good-1', { path: 'ab' }), [flat(base, 10)]);
      const started = performance.now();
      const reply = await range({
        metric: 'test_redos',
        start: base,
        end: base + 10 * S,
        step: 10 * S,
        matchers: [{ label: 'path', op: '=~', value: '(a+)+b' }],
      });
      const elapsed = performance.now() - started;
      expect(reply.series.map((s) => [s.labels.node, s.points[0][1]])).toEqual([
        ['good-1', 10],
        ['hostile-2', 2],
      ]);
      // The whole query (three Postgres round trips and the matching) in well under a second;
      // a backtracking engine needs 2^32 steps for the 32 characters alone.
      expect(elapsed).toBeLessThan(1000);
      const good = await range({
        metric: 'test_redos',
        start: base,
        end: base + 10 * S,
        step: 10 * S,
        matchers: [{ label: 'node', op: '=', value: 'good-1' }],
      });
      expect(good.series.map((s) => s.points[0][1])).toEqual([10]);
    });

    it('applies regexes over every page of a large metric, and stops at the series limit', async () => {
      const nodes = Array.from({ length: 12_000 }, (_, i) => `n${i}`);
      await db.query(
        'test',
        `INSERT INTO metrics.series (node_id, metric, labels, labels_key)
         SELECT n, 'test_paged', jsonb_build_object('i', substr(n, 2)), '{"i":"' || substr(n, 2) || '"}' FROM unnest($1::text[]) AS n`,
        [nodes],
      );
      const ids = (matchers: RangeQueryRequest['matchers'], selector = ctx.selector) =>
        selector.resolve({ metric: 'test_paged', matchers: matchers ?? [] });
      // 999, 1999, 9999 and 11999 lie on the first, first, second and third page (5,000 series a page).
      const found = await ids([{ label: 'i', op: '=~', value: '(1|11)?9{3,}' }]);
      expect(found.map((s) => s.labels.i).sort()).toEqual(['11999', '1999', '999', '9999']);
      expect(await ids([{ label: 'node', op: '=~', value: 'n1\\d{4}' }])).toHaveLength(2000);
      await expect(ids([{ label: 'i', op: '=~', value: '\\d+' }], new SeriesSelector(db, 100))).rejects.toThrow(
        LimitExceededError,
      );
      await expect(
        new SeriesSelector(db, 100).resolveIds({
          metric: 'test_paged',
          matchers: [{ label: 'i', op: '=~', value: '1\\d' }],
        }),
      ).resolves.toHaveLength(10);
    });

    it('refuses too many series or points before reading any rollup, with the numbers', async () => {
      for (const node of ['x', 'y', 'z']) await series('test_limits', node);
      const spy = jest.spyOn(db, 'query');
      try {
        const tight = { ...ctx, selector: new SeriesSelector(db, 2) };
        const r = validate(RangeQueryRequest, { metric: 'test_limits', start: now - H, end: now, step: M }, 'r');
        await expect(rangeQuery(tight, r)).rejects.toThrow(LimitExceededError);
        await expect(rangeQuery(tight, r)).rejects.toThrow(/more than 2 series.*VIGIL_METRICS_MAX_SERIES=2/);
        // Top-k over a range resolves ids only, under the same limit.
        const overRange = validate(
          TopKRequest,
          { metric: 'test_limits', k: 1, range: { start: now - H, end: now } },
          'r',
        );
        await expect(topKQuery(tight, overRange)).rejects.toThrow(/more than 2 series.*VIGIL_METRICS_MAX_SERIES=2/);

        const few = { ...ctx, maxPoints: 100 };
        await expect(rangeQuery(few, r)).rejects.toThrow(LimitExceededError);
        await expect(rangeQuery(few, r)).rejects.toThrow(
          '3 series × 60 points = 180 points, more than VIGIL_METRICS_MAX_POINTS=100',
        );
        // 3 × 30 = 90 points pass.
        await expect(rangeQuery(few, { ...r, step: 2 * M })).resolves.toMatchObject({ series: [] });
        const operations = spy.mock.calls.map((c) => c[0]);
        expect(operations.filter((o) => o === 'rollup_range')).toHaveLength(1);
      } finally {
        spy.mockRestore();
      }
    });

    it('tells an unknown metric from a known one without matching series, and names a bad regex', async () => {
      await series('test_known', 'n1', { mount: '/' });
      const base = { start: now - H, end: now, step: M };
      await expect(range({ metric: 'test_unknown', ...base })).rejects.toThrow(
        new NotFoundError('unknown metric test_unknown'),
      );
      await expect(topK({ metric: 'test_unknown', k: 1, range: { start: now - H, end: now } })).rejects.toThrow(
        new NotFoundError('unknown metric test_unknown'),
      );
      await expect(
        range({ metric: 'test_known', ...base, matchers: [{ label: 'mount', op: '=', value: '/x' }] }),
      ).resolves.toMatchObject({ series: [] });
      // The request's contract refuses them (as metrics-svc's handler validates every request), naming the field.
      expect(() =>
        range({ metric: 'test_known', ...base, matchers: [{ label: 'mount', op: '=~', value: '(/' }] }),
      ).toThrow(ValidationError);
      expect(() =>
        range({ metric: 'test_known', ...base, matchers: [{ label: 'mount', op: '=~', value: '(/' }] }),
      ).toThrow(/matchers\.0\.value: invalid regular expression: .*missing closing \)/);
      // RE2 has no lookaround: refused naming the field and what is not supported.
      expect(() =>
        range({ metric: 'test_known', ...base, matchers: [{ label: 'mount', op: '!~', value: '(?=/)x' }] }),
      ).toThrow(/matchers\.0\.value: invalid regular expression: lookahead \(\?=…\) is not supported/);
      // A named group is RE2 (and Prometheus) syntax.
      await expect(
        range({ metric: 'test_known', ...base, matchers: [{ label: 'mount', op: '!~', value: '(?<m>/)' }] }),
      ).resolves.toMatchObject({ series: [] });
      expect(() =>
        validate(RangeQueryRequest, { metric: 'test_known', start: now, end: now - H, step: M }, 'request'),
      ).toThrow(/end must be after start/);
    });
  });

  describe('topK', () => {
    it('ranks the latest values from Redis, leaving out series gone quiet', async () => {
      const values: [string, number, number][] = [
        ['n1', 10, now - 2 * S],
        ['n2', 50, now - 3 * S],
        ['n3', 30, now - 4 * S],
        ['n4', 99, now - 10 * M],
      ];
      for (const [node, v, at] of values) {
        const id = await series('test_topk_now', node);
        await setLatest('test_topk_now', node, id, {
          lastAt: at,
          last: v,
          bucket: at - (at % (10 * S)),
          min: v,
          max: v,
          sum: v,
          count: 1,
        });
      }
      await series('test_topk_now', 'n5'); // no latest value at all
      const items = async (r: Partial<TopKRequest>) =>
        (await topK({ metric: 'test_topk_now', k: 2, ...r })).items.map((i) => [i.nodeId, i.value]);
      expect(await items({})).toEqual([
        ['n2', 50],
        ['n3', 30],
      ]);
      expect(await items({ order: 'asc' })).toEqual([
        ['n1', 10],
        ['n3', 30],
      ]);
      expect(await items({ k: 10 })).toHaveLength(3);
      expect(await items({ nodes: { ids: ['n1', 'n4'] } })).toEqual([['n1', 10]]);
    });

    it('ranks each series by its statistic over a range, exactly across tiers', async () => {
      const start = minute - H;
      // n1: flat 20; n2: mostly 10 with one spike to 90; n3: flat 60 but only in the 10 s tail.
      const n1 = await series('test_topk_range', 'n1');
      const n2 = await series('test_topk_range', 'n2');
      const n3 = await series('test_topk_range', 'n3', { gpu: '0' });
      await insert(
        '1m',
        n1,
        Array.from({ length: 55 }, (_, i) => flat(start + i * M, 20)),
      );
      await insert(
        '10s',
        n1,
        Array.from({ length: 30 }, (_, i) => flat(start + 55 * M + i * 10 * S, 20)),
      );
      await insert(
        '1m',
        n2,
        Array.from({ length: 55 }, (_, i) => ({ ...flat(start + i * M, 10), max: i === 7 ? 90 : 10 })),
      );
      await insert(
        '10s',
        n3,
        Array.from({ length: 30 }, (_, i) => flat(start + 55 * M + i * 10 * S, 60)),
      );
      // Noise the 1 min tier must not double count: a 10 s row under the watermark.
      await insert('10s', n2, [flat(start, 1000)]);
      await watermarks(start + 55 * M, 0);

      const items = async (r: Partial<TopKRequest>) =>
        (await topK({ metric: 'test_topk_range', range: { start, end: minute }, k: 3, ...r })).items.map((i) => [
          i.nodeId,
          i.value,
        ]);
      expect(await items({ stat: 'avg' })).toEqual([
        ['n3', 60],
        ['n1', 20],
        ['n2', 10],
      ]);
      // The k kept are described with their metric and labels.
      expect((await topK({ metric: 'test_topk_range', range: { start, end: minute }, k: 1 })).items).toEqual([
        { nodeId: 'n3', metric: 'test_topk_range', labels: { gpu: '0' }, value: 60 },
      ]);
      expect(await items({ stat: 'max', k: 1 })).toEqual([['n2', 90]]);
      expect(await items({ stat: 'min', order: 'asc', k: 2 })).toEqual([
        ['n2', 10],
        ['n1', 20],
      ]);
      expect(await items({ stat: 'last' })).toEqual([
        ['n3', 60],
        ['n1', 20],
        ['n2', 10],
      ]);
    });

    it('keeps closed buckets in memory, drops them on a late write, and reads a series new to the selection', async () => {
      const start = minute - 10 * M;
      const a = await series('test_topk_cache', 'a');
      const b = await series('test_topk_cache', 'b');
      await insert(
        '10s',
        a,
        Array.from({ length: 60 }, (_, i) => flat(start + i * 10 * S, 30)),
      );
      await insert(
        '10s',
        b,
        Array.from({ length: 60 }, (_, i) => flat(start + i * 10 * S, 20)),
      );
      await watermarks(0, 0);
      // The one partition has closed every 10 s bucket of the range.
      await db.query(
        'test',
        `INSERT INTO metrics.ingest_partitions (partition, closed_through) VALUES (0, to_timestamp($1 / 1000.0))
                              ON CONFLICT (partition) DO UPDATE SET closed_through = excluded.closed_through, late_writes = 0`,
        [minute],
      );
      const rangeCache = ctx.rangeCache as RangeCache;
      const items = async () =>
        (await topK({ metric: 'test_topk_cache', range: { start, end: minute }, k: 3 })).items.map((i) => [
          i.nodeId,
          i.value,
        ]);
      expect(await items()).toEqual([
        ['a', 30],
        ['b', 20],
      ]);
      const misses = rangeCache.misses;
      const hits = rangeCache.hits;
      expect(await items()).toEqual([
        ['a', 30],
        ['b', 20],
      ]);
      expect(rangeCache.misses).toBe(misses);
      expect(rangeCache.hits - hits).toBe(60);

      // A closed bucket changed without a late write recorded is not seen: the cache answers.
      await db.query(
        'test',
        `UPDATE metrics.rollup_10s SET sum = 600 * 60, count = 1 WHERE series_id = $1 AND bucket = to_timestamp($2 / 1000.0)`,
        [b, start],
      );
      expect(await items()).toEqual([
        ['a', 30],
        ['b', 20],
      ]);
      // The ingest records it (RollupWriter: late_writes + 1 with the change): read again.
      await db.query('test', 'UPDATE metrics.ingest_partitions SET late_writes = late_writes + 1 WHERE partition = 0');
      const avgB = (20 * 59 + 600 * 60) / 60;
      expect(await items()).toEqual([
        ['b', avgB],
        ['a', 30],
      ]);

      // A series joining the selection: read for it alone in the buckets held.
      const c = await series('test_topk_cache', 'c');
      await insert(
        '10s',
        c,
        Array.from({ length: 60 }, (_, i) => flat(start + i * 10 * S, 1000)),
      );
      const before = rangeCache.misses;
      expect(await items()).toEqual([
        ['c', 1000],
        ['b', avgB],
        ['a', 30],
      ]);
      expect(rangeCache.misses - before).toBe(60);
      // Without the cache, the same answer from Postgres.
      const plain = { ...ctx, rangeCache: undefined };
      const direct = await topKQuery(
        plain,
        validate(TopKRequest, { metric: 'test_topk_cache', range: { start, end: minute }, k: 3 }, 'request'),
      );
      expect(direct.items.map((i) => [i.nodeId, i.value])).toEqual([
        ['c', 1000],
        ['b', avgB],
        ['a', 30],
      ]);
      await db.query('test', 'DELETE FROM metrics.ingest_partitions');
    });

    it('warms, just before a minute boundary, the buckets the same query needs after it', async () => {
      // 10 min ranges (the 1 min tier's body, 10 s edges), asked every 10 s from 20 s before a minute boundary to 30 s after it.
      const boundary = minute - 30 * M;
      const from = boundary - 15 * M;
      const ids = [
        await series('test_topk_warm', 'a'),
        await series('test_topk_warm', 'b'),
        await series('test_topk_warm', 'c'),
      ];
      for (const [i, id] of ids.entries()) {
        const tens = Array.from({ length: 20 * 6 }, (_, j) => flat(from + j * 10 * S, 10 * (i + 1) + (j % 7)));
        await insert('10s', id, tens);
        // The 1 min rows as the rollup makes them from the 10 s ones.
        const minutes = Array.from({ length: 20 }, (_, j) => {
          const six = tens.slice(j * 6, j * 6 + 6);
          const last = six[5];
          return {
            bucket: from + j * M,
            min: Math.min(...six.map((r) => r.min)),
            max: Math.max(...six.map((r) => r.max)),
            sum: six.reduce((t, r) => t + r.sum, 0),
            count: 6,
            last: last.last,
            lastAt: last.lastAt,
          };
        });
        await insert('1m', id, minutes);
      }
      await watermarks(from + 20 * M, 0);
      await db.query(
        'test',
        `INSERT INTO metrics.ingest_partitions (partition, closed_through) VALUES (0, to_timestamp($1 / 1000.0))
                              ON CONFLICT (partition) DO UPDATE SET closed_through = excluded.closed_through, late_writes = 0`,
        [from + 20 * M],
      );
      const run = async (prefetchLeadMs: number) => {
        const rangeCache = new RangeCache(64 * 1024 * 1024, prefetchLeadMs);
        const answers: unknown[] = [];
        const misses: number[] = [];
        for (let at = boundary - 20 * S; at <= boundary + 30 * S; at += 10 * S) {
          const before = rangeCache.misses;
          const c = { ...ctx, rangeCache, now: () => at };
          const reply = await topKQuery(
            c,
            validate(
              TopKRequest,
              { metric: 'test_topk_warm', range: { start: at - 10 * M, end: at }, k: 3 },
              'request',
            ),
          );
          answers.push(reply.items.map((i) => [i.nodeId, i.value]));
          await rangeCache.settled();
          misses.push(rangeCache.misses - before);
        }
        return { answers, misses, prefetched: rangeCache.prefetched };
      };
      const cold = await run(0);
      const warm = await run(20_000);
      expect(warm.answers).toEqual(cold.answers);
      // Without warming, the first queries after the boundary read the 10 s buckets its head has just entered.
      expect(cold.misses[3]).toBeGreaterThan(1);
      // Warmed once, 20 s before the boundary: from the boundary on, the queries read nothing (the range's new tail buckets are closed here, so warmed too).
      expect(warm.misses.slice(2)).toEqual([0, 0, 0, 0]);
      expect(warm.prefetched).toBeGreaterThan(0);
      // The uncached path agrees.
      for (const [i, at] of [boundary + 10 * S, boundary + 30 * S].entries()) {
        const direct = await topKQuery(
          { ...ctx, rangeCache: undefined, now: () => at },
          validate(TopKRequest, { metric: 'test_topk_warm', range: { start: at - 10 * M, end: at }, k: 3 }, 'request'),
        );
        expect(direct.items.map((x) => [x.nodeId, x.value])).toEqual(warm.answers[[3, 5][i]]);
      }
      await db.query('test', 'DELETE FROM metrics.ingest_partitions');
    });

    it('folds a coarse bucket from the finer ones it holds when a rollup passes them, reading nothing', async () => {
      // An hour of 10 s rows (integer values: sums exact) for 30 series; the 1 min and 10 min
      // rollups (metrics-svc's own) stop 10 min short of the range's end, then pass it.
      const nodes = 30;
      const end = Math.floor(now / (10 * M)) * 10 * M;
      const start = end - H;
      const [{ first }] = await db.query<{ first: number }>(
        'test',
        `WITH s AS (INSERT INTO metrics.series (node_id, metric, labels, labels_key)
                    SELECT 'd' || g, 'test_topk_derive', '{}', '{}' FROM generate_series(1, $1::int) g RETURNING id)
         SELECT min(id) AS first FROM s`,
        [nodes],
      );
      await db.query(
        'test',
        `INSERT INTO metrics.rollup_10s (series_id, bucket, min, max, sum, count, last, last_at)
         SELECT id, b, v - (id % 4), v + (id % 3), v * 3, 3, v + (id % 2), b + interval '7 seconds'
           FROM generate_series($1::int, $1::int + $2::int - 1) id,
                generate_series(to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0) - interval '10 seconds', interval '10 seconds') b,
                LATERAL (SELECT ((id * 7919 + extract(epoch FROM b)::bigint / 10 * 104729) % 1000)::float8 AS v) x`,
        [first, nodes, start, end],
      );
      const closeThrough = (t: number) =>
        db.query(
          'test',
          `INSERT INTO metrics.ingest_partitions (partition, closed_through) VALUES (0, to_timestamp($1 / 1000.0))
                          ON CONFLICT (partition) DO UPDATE SET closed_through = excluded.closed_through, late_writes = 0`,
          [t],
        );
      const one = new TierRollup(db, 1);
      await db.query(
        'test',
        `UPDATE metrics.rollup_watermarks SET through = to_timestamp($1 / 1000.0) WHERE tier IN ('1m', '10m')`,
        [start],
      );
      await closeThrough(end - 10 * M);
      await one.runTier('1m', 1000);
      await one.runTier('10m', 1000);
      await closeThrough(end);
      expect(await readCompleteness(db)).toMatchObject({ '1m': end - 10 * M, '10m': end - 10 * M });

      const rangeCache = new RangeCache(64 * 1024 * 1024, 0);
      const cached = { ...ctx, partitions: 1, rangeCache };
      const stats = ['avg', 'min', 'max', 'last'] as const;
      const ask = async (c: QueryContext) => {
        const out: Record<string, unknown> = {};
        for (const stat of stats) {
          const reply = await topKQuery(
            c,
            validate(TopKRequest, { metric: 'test_topk_derive', range: { start, end }, k: 7, stat }, 'request'),
          );
          out[stat] = reply.items.map((i) => [i.nodeId, i.value]);
        }
        return out;
      };
      const step = async () => {
        const before = { misses: rangeCache.misses, derived: rangeCache.derived, hits: rangeCache.hits };
        const got = await ask(cached);
        expect(got).toEqual(await ask({ ...ctx, partitions: 1, rangeCache: undefined }));
        return {
          misses: rangeCache.misses - before.misses,
          derived: rangeCache.derived - before.derived,
          hits: rangeCache.hits - before.hits,
        };
      };
      // Five 10 min buckets and the last ten minutes' 10 s buckets, read once per statistic.
      expect(await step()).toEqual({ misses: 4 * (5 + 60), derived: 0, hits: 0 });
      // The 1 min rollup passes the last ten minutes: their ten 1 min buckets folded from the 10 s ones held.
      await one.runTier('1m', 1000);
      expect((await readCompleteness(db))['1m']).toBe(end);
      expect(await step()).toEqual({ misses: 0, derived: 4 * 10, hits: 4 * 5 });
      // The 10 min rollup passes them too: the last 10 min bucket folded from those ten.
      await one.runTier('10m', 1000);
      expect(await step()).toEqual({ misses: 0, derived: 4, hits: 4 * 5 });
      // A late write drops what was held (derived buckets too), and the answers stay exact.
      await db.query(
        'test',
        `UPDATE metrics.rollup_10m SET max = 5000, sum = sum + 100000 WHERE series_id = $1 AND bucket = to_timestamp($2 / 1000.0)`,
        [first + 3, end - 10 * M],
      );
      await db.query('test', 'UPDATE metrics.ingest_partitions SET late_writes = late_writes + 1 WHERE partition = 0');
      expect(await step()).toEqual({ misses: 4 * 6, derived: 0, hits: 0 });
      await db.query('test', 'DELETE FROM metrics.ingest_partitions');
    });

    it('gives the same answer with the 10 min tier as from the 1 min and 10 s rows alone, ragged edges included', async () => {
      // 40 series, 3 h of 10 s rows with integer values (sums exact), rolled up by metrics-svc's
      // own TierRollup into 1 min and 10 min rows; then queries over ranges with unaligned ends.
      const nodes = 40;
      const from = Math.floor((now - 3 * H) / (10 * M)) * 10 * M;
      const [{ first }] = await db.query<{ first: number }>(
        'test',
        `WITH s AS (INSERT INTO metrics.series (node_id, metric, labels, labels_key)
                    SELECT 'x' || g, 'test_topk_tiers', '{}', '{}' FROM generate_series(1, $1::int) g RETURNING id)
         SELECT min(id) AS first FROM s`,
        [nodes],
      );
      await db.query(
        'test',
        `INSERT INTO metrics.rollup_10s (series_id, bucket, min, max, sum, count, last, last_at)
         SELECT id, b, v - (id % 3), v + (id % 5), v * 2, 2, v + 1, b + interval '7 seconds'
           FROM generate_series($1::int, $1::int + $2::int - 1) id,
                generate_series(to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0) - interval '10 seconds', interval '10 seconds') b,
                LATERAL (SELECT ((id * 7919 + extract(epoch FROM b)::bigint / 10 * 104729) % 1000)::float8 AS v) x`,
        [first, nodes, from, now],
      );
      // Every ingest partition has written everything: the rollups run as the service runs them.
      await db.query(
        'test',
        'INSERT INTO metrics.ingest_partitions (partition, closed_through) SELECT g, to_timestamp($1 / 1000.0) FROM generate_series(0, 1) g',
        [now],
      );
      await db.query(
        'test',
        `UPDATE metrics.rollup_watermarks SET through = to_timestamp($1 / 1000.0) WHERE tier IN ('1m', '10m')`,
        [from],
      );
      const rollup = new TierRollup(db, 2);
      await rollup.runTier('1m', 1000);
      await rollup.runTier('10m', 1000);
      const rowsOf = async (table: string) =>
        Number(
          (
            await db.query<{ n: string }>(
              'test',
              `SELECT count(*) AS n FROM metrics.${table} WHERE series_id >= $1 AND series_id < $1 + $2`,
              [first, nodes],
            )
          )[0].n,
        );
      expect(await rowsOf('rollup_1m')).toBe((nodes * (Math.floor(now / M) * M - from)) / M);
      expect(await rowsOf('rollup_10m')).toBe((nodes * (Math.floor(now / (10 * M)) * 10 * M - from)) / (10 * M));
      const complete = await readCompleteness(db);
      expect(complete['10m']).toBe(Math.floor(now / (10 * M)) * 10 * M);

      const ids = Array.from({ length: nodes }, (_, i) => first + i);
      const ranges = [
        [now - H - 25 * S, now - 15 * S],
        [now - H, now],
        [from + 10 * M + 7 * M + 30 * S, from + 2 * H + 3 * M + 10 * S],
        [now - 2 * H - 9 * M - 50 * S, now - 41 * M],
        [now - 45 * M, now - 5 * M + 20 * S],
      ];
      for (const [start, end] of ranges) {
        const withTier = planSegments('10m', start, end, complete, now, ctx.retention);
        const without = planSegments('1m', start, end, complete, now, ctx.retention);
        expect(withTier.map((s) => s.tier)).toContain('10m');
        expect(without.map((s) => s.tier)).not.toContain('10m');
        for (const stat of ['avg', 'min', 'max', 'last'] as const) {
          const want = await readTopK(db, ids, without, stat, 'desc', nodes);
          expect(want).toHaveLength(nodes);
          expect({ start, end, stat, rows: await readTopK(db, ids, withTier, stat, 'desc', nodes) }).toEqual({
            start,
            end,
            stat,
            rows: want,
          });
        }
        // The query itself (its tier by range: 10 min for these) ranks the same.
        const reply = await topK({ metric: 'test_topk_tiers', range: { start, end }, k: 5 });
        const top = await readTopK(db, ids, without, 'avg', 'desc', 5);
        expect(reply.items.map((i) => i.value)).toEqual(top.map((t) => t.v));
        // A range query at a 30 min step reads the 10 min tier, and the same points as the 1 min rows give.
        const step = 30 * M;
        const window = stepWindow(start, end, step);
        for (const stat of ['avg', 'sum', 'count', 'min', 'max', 'last'] as const) {
          const viaTier = await readStepPartials(
            db,
            ids,
            planSegments('10m', window.from, window.to, complete, now, ctx.retention),
            step,
            stat,
          );
          const viaMinutes = await readStepPartials(
            db,
            ids,
            planSegments('1m', window.from, window.to, complete, now, ctx.retention),
            step,
            stat,
          );
          expect({ stat, points: viaTier }).toEqual({ stat, points: viaMinutes });
        }
        const rangeReply = await range({ metric: 'test_topk_tiers', nodes: { ids: ['x1'] }, start, end, step });
        expect(rangeReply.tier).toBe('10m');
      }
    });

    it('ranks a fleet larger than one SQL chunk', async () => {
      const start = minute - 10 * M;
      const [{ first }] = await db.query<{ first: number }>(
        'test',
        `WITH s AS (INSERT INTO metrics.series (node_id, metric, labels, labels_key)
                    SELECT 'f' || g, 'test_topk_fleet', '{}', '{}' FROM generate_series(1, 6000) g RETURNING id, node_id)
         SELECT min(id) AS first FROM s`,
      );
      await db.query(
        'test',
        `INSERT INTO metrics.rollup_1m (series_id, bucket, min, max, sum, count, last, last_at)
         SELECT s.id, to_timestamp(($1::float8 + m * 60000) / 1000.0), v, v, v * 6, 6, v, to_timestamp(($1::float8 + m * 60000 + 50000) / 1000.0)
           FROM metrics.series s, generate_series(0, 9) m, LATERAL (SELECT (s.id - $2)::float8 AS v) x
          WHERE s.metric = 'test_topk_fleet'`,
        [start, first],
      );
      await watermarks(minute, 0);
      const reply = await topK({ metric: 'test_topk_fleet', range: { start, end: minute }, k: 3 });
      expect(reply.items.map((i) => [i.nodeId, i.value])).toEqual([
        ['f6000', 5999],
        ['f5999', 5998],
        ['f5998', 5997],
      ]);
      const low = await topK({ metric: 'test_topk_fleet', range: { start, end: minute }, k: 2, order: 'asc' });
      expect(low.items.map((i) => i.nodeId)).toEqual(['f1', 'f2']);
    });
  });

  describe('latest', () => {
    it('answers the latest value of each selected series, of one metric or of every metric of a node', async () => {
      const a = await series('test_latest_a', 'l1', { mount: '/' });
      const b = await series('test_latest_b', 'l1');
      await series('test_latest_b', 'l2');
      await setLatest('test_latest_a', 'l1', a, {
        lastAt: now - 1500,
        last: 0.5,
        bucket: now - 10 * S,
        min: 0.5,
        max: 0.5,
        sum: 0.5,
        count: 1,
      });
      await setLatest('test_latest_b', 'l1', b, {
        lastAt: now - 2500,
        last: 42,
        bucket: now - 10 * S,
        min: 42,
        max: 42,
        sum: 42,
        count: 1,
      });
      expect((await latest({ metric: 'test_latest_b' })).items).toEqual([
        { nodeId: 'l1', metric: 'test_latest_b', labels: {}, value: 42, timestamp: now - 2500 },
      ]);
      expect((await latest({ nodes: { ids: ['l1'] } })).items).toEqual([
        { nodeId: 'l1', metric: 'test_latest_a', labels: { mount: '/' }, value: 0.5, timestamp: now - 1500 },
        { nodeId: 'l1', metric: 'test_latest_b', labels: {}, value: 42, timestamp: now - 2500 },
      ]);
      await expect(latest({ metric: 'test_latest_none' })).rejects.toThrow(NotFoundError);
    });
  });

  describe('labels', () => {
    it('lists label names and values, metric names and node ids', async () => {
      await series('test_labels_a', 'lab1', { device: 'sda' });
      await series('test_labels_a', 'lab2', { device: 'sdb', kind: 'ssd' });
      await series('test_labels_b', 'lab3', { zone: 'z1' });
      const labels = new LabelQueries(db);
      expect((await labels.names({ metric: 'test_labels_a' })).names).toEqual(['__name__', 'device', 'kind', 'node']);
      expect((await labels.names({})).names).toEqual(
        expect.arrayContaining(['__name__', 'device', 'kind', 'node', 'zone']),
      );
      expect((await labels.values({ label: 'device', metric: 'test_labels_a' })).values).toEqual(['sda', 'sdb']);
      expect((await labels.values({ label: 'node', metric: 'test_labels_a' })).values).toEqual(['lab1', 'lab2']);
      expect((await labels.values({ label: '__name__' })).values).toEqual(
        expect.arrayContaining(['test_labels_a', 'test_labels_b']),
      );
      expect((await labels.values({ label: 'node' })).values).toEqual(expect.arrayContaining(['lab1', 'lab2', 'lab3']));
      expect((await labels.values({ label: '__name__', metric: 'test_labels_b' })).values).toEqual(['test_labels_b']);
    });
  });
});
