import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LatestReply, RangeQueryReply, TopKReply } from '@vigil/contracts';
import { eventually, freePort, ServiceProcess } from '@vigil/test-support';
import { Client } from 'pg';
import { TestPlatform } from './platform';

jest.setTimeout(120_000);

const S = 1000;
const M = 60 * S;

/**
 * Metrics end to end: a real agent's samples through metrics-svc's ingest to queries at the
 * gateway, node selection by the labels the registry recorded, and the Prometheus-compatible
 * API compared with Prometheus' documented response shape on rollups written with SQL.
 */
describe('metrics: agent → metrics-svc → gateway (REST and Prometheus API)', () => {
  const platform = new TestPlatform();
  let metricsPort: number;
  let pg: Client;

  beforeAll(async () => {
    await platform.setup();
    metricsPort = await freePort();
    const metrics = new ServiceProcess('metrics-svc', {
      ...platform.env('metrics-svc'),
      VIGIL_METRICS_PORT: String(metricsPort),
      VIGIL_METRICS_ROLLUP_MS: '500',
    }).start();
    platform.processes.push(metrics);
    await Promise.all([
      platform.startRegistry(),
      platform.startGateway(),
      metrics.waitHttpOk(`http://127.0.0.1:${metricsPort}/health/ready`, 60_000),
    ]);
    pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await platform.teardown();
  });

  const get = <T>(path: string) => platform.getJson<T>('gateway', path);

  it('answers a live agent’s samples within seconds, selected by its node labels', async () => {
    const nodeId = 'e2e-metrics-node';
    platform.startAgent(mkdtempSync(join(tmpdir(), 'vigil-agent-')), {
      VIGIL_AGENT_NODE_ID: nodeId,
      VIGIL_AGENT_LABELS: 'rack=e2e-rack,env=test',
    });
    const started = Date.now();
    const latest = await eventually(
      async () => {
        const r = await get<LatestReply>(
          '/api/v1/metrics/latest?metric=node_cpu_usage_percent&node_label=rack=e2e-rack&match[]=cpu%3D%22%22',
        );
        return r.status === 200 && r.body.items.length === 1 ? r.body : undefined;
      },
      { timeoutMs: 30_000, what: 'the agent’s CPU usage at the gateway' },
    );
    expect(latest.items[0]).toMatchObject({ nodeId, metric: 'node_cpu_usage_percent', labels: {} });
    expect(latest.items[0].timestamp).toBeGreaterThan(started - 5 * S);

    // The open 10 s bucket is queryable before it reaches Postgres.
    const range = await eventually(
      async () => {
        const r = await get<RangeQueryReply>(
          `/api/v1/metrics/query_range?metric=node_cpu_usage_percent&node=${nodeId}&match[]=cpu%3D%22%22&start=now-2m&step=10s`,
        );
        return r.body.series?.[0]?.points.length ? r.body : undefined;
      },
      { what: 'a range of the agent’s CPU usage' },
    );
    expect(range).toMatchObject({
      tier: '10s',
      step: 10 * S,
      series: [{ metric: 'node_cpu_usage_percent', labels: { node: nodeId } }],
    });
    const top = await get<TopKReply>('/api/v1/metrics/topk?metric=node_cpu_usage_percent&match[]=cpu%3D%22%22&k=3');
    expect(top.body.items.map((i) => i.nodeId)).toEqual([nodeId]);

    const instant = await get<{
      status: string;
      data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    }>(`/api/v1/query?query=${encodeURIComponent(`node_cpu_usage_percent{node="${nodeId}",cpu=""}`)}`);
    expect(instant.status).toBe(200);
    expect(instant.body).toEqual({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          {
            metric: { __name__: 'node_cpu_usage_percent', node: nodeId },
            value: [expect.any(Number), expect.stringMatching(/^\d+(\.\d+)?$/)],
          },
        ],
      },
    });
  });

  it('answers /api/v1/query_range in Prometheus’ format from the rollups', async () => {
    const base = Math.floor(Date.now() / M) * M - 30 * M;
    const series: [string, Record<string, string>][] = [
      ['e2e-a', { mount: '/' }],
      ['e2e-a', { mount: '/home' }],
      ['e2e-b', { mount: '/' }],
    ];
    const ids: number[] = [];
    for (const [node, labels] of series) {
      const r = await pg.query<{ id: number }>(
        `INSERT INTO metrics.series (node_id, metric, labels, labels_key) VALUES ($1, 'e2e_used_ratio', $2, $3) RETURNING id`,
        [node, JSON.stringify(labels), JSON.stringify(labels)],
      );
      ids.push(r.rows[0].id);
    }
    // Six 10 s buckets a minute per series over two minutes, value = series index + minute / 2,
    // and their 1 min rollups: the 1 min tier may already be rolled up past these minutes (then
    // a 60 s step reads it) or not (then the 10 s tier answers), with the same result.
    for (const [i, id] of ids.entries()) {
      for (let b = 0; b < 12; b++) {
        await pg.query(
          `INSERT INTO metrics.rollup_10s (series_id, bucket, min, max, sum, count, last, last_at)
           VALUES ($1, to_timestamp($2 / 1000.0), $3::float8, $3::float8, $3::float8 * 2, 2, $3::float8, to_timestamp($2 / 1000.0))`,
          [id, base + b * 10 * S, i + Math.floor(b / 6) / 2],
        );
      }
      for (let m = 0; m < 2; m++) {
        await pg.query(
          `INSERT INTO metrics.rollup_1m (series_id, bucket, min, max, sum, count, last, last_at)
           VALUES ($1, to_timestamp($2 / 1000.0), $3::float8, $3::float8, $3::float8 * 12, 12, $3::float8, to_timestamp($2 / 1000.0 + 50))`,
          [id, base + m * M, i + m / 2],
        );
      }
    }
    const start = base / 1000;
    const path = (query: string) =>
      `/api/v1/query_range?${new URLSearchParams({ query, start: String(start), end: String(start + 60), step: '60' })}`;

    const plain = await get<unknown>(path('e2e_used_ratio{mount="/"}'));
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toMatch(/application\/json/);
    expect(plain.body).toEqual({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { __name__: 'e2e_used_ratio', mount: '/', node: 'e2e-a' },
            values: [
              [start, '0'],
              [start + 60, '0.5'],
            ],
          },
          {
            metric: { __name__: 'e2e_used_ratio', mount: '/', node: 'e2e-b' },
            values: [
              [start, '2'],
              [start + 60, '2.5'],
            ],
          },
        ],
      },
    });

    const summed = await get<unknown>(path('sum by (node) (e2e_used_ratio)'));
    expect(summed.body).toEqual({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { node: 'e2e-a' },
            values: [
              [start, '1'],
              [start + 60, '2'],
            ],
          },
          {
            metric: { node: 'e2e-b' },
            values: [
              [start, '2'],
              [start + 60, '2.5'],
            ],
          },
        ],
      },
    });

    const names = await get<{ status: string; data: string[] }>(`/api/v1/label/__name__/values`);
    expect(names.body.data).toEqual(expect.arrayContaining(['e2e_used_ratio', 'node_cpu_usage_percent']));
    const bad = await get<unknown>(path('rate(e2e_used_ratio[5m])'));
    expect(bad).toMatchObject({ status: 400, body: { status: 'error', errorType: 'bad_data' } });
    const unknown = await get<unknown>(path('e2e_no_such_metric'));
    expect(unknown.body).toEqual({ status: 'success', data: { resultType: 'matrix', result: [] } });
  });
});
