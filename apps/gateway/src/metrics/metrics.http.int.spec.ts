import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Subscription } from '@nats-io/nats-core';
import {
  BusyError,
  type LatestReply,
  LimitExceededError,
  metricsQueries,
  NotFoundError,
  type RangeQueryReply,
  type TopKReply,
  type z,
  RangeQueryRequest,
} from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import pino from 'pino';
import { TEST_ADMIN_PASSWORD, TEST_AUTH_SECRET, isolatedGatewayEnv } from '../testing/gateway-app';
import { Counter, Histogram, Registry } from 'prom-client';

jest.setTimeout(30_000);

type Range = z.infer<typeof RangeQueryRequest>;

/**
 * The gateway's metrics endpoints, booted from its real AppModule over real NATS, in front of
 * a stand-in metrics-svc that records what it is asked and answers the contract's shapes (the
 * service itself is tested in apps/metrics-svc; here: HTTP in, request/reply out, HTTP back).
 */
describe('gateway metrics HTTP API', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let app: INestApplication;
  let base: string;
  let subscriptions: Subscription[] = [];
  const asked: { what: string; request: unknown }[] = [];

  /** The stand-in: metric `unknown_metric` is unknown, `too_much` exceeds a limit, anything else has one or two series. */
  function serveStandIn() {
    const registry = new Registry();
    const deps = {
      nc: tbus.nc,
      topology: tbus.topology,
      logger: pino({ level: 'silent' }),
      messages: new Counter({ name: 'm', help: 'm', labelNames: ['subject', 'result'], registers: [registry] }),
      duration: new Histogram({ name: 'd', help: 'd', labelNames: ['subject'], registers: [registry] }),
    };
    const check = (metric: string | undefined) => {
      if (metric === 'busy_metric') throw new BusyError('busy: 32 queries are running in this metrics service', 2);
      if (metric === 'unknown_metric') throw new NotFoundError(`unknown metric ${metric}`);
      if (metric === 'too_much')
        throw new LimitExceededError(
          'the query would read 3 series × 60 points = 180 points, more than VIGIL_METRICS_MAX_POINTS=100',
        );
    };
    subscriptions = [
      serveQuery(deps, metricsQueries.range, async (r): Promise<RangeQueryReply> => {
        asked.push({ what: 'range', request: r });
        check(r.metric);
        // More than max_payload (1 MiB): the stand-in's serveQuery refuses its own reply.
        if (r.metric === 'huge_metric') return { tier: '10s', step: r.step, series: wideSeries(r.metric, 6000) };
        // ~400 kB: fits a NATS message, not the gateway's VIGIL_HTTP_RESPONSE_LIMIT of 256 KiB.
        if (r.metric === 'wide_metric') return { tier: '10s', step: r.step, series: wideSeries(r.metric, 2000) };
        const first = Math.ceil(r.start / r.step) * r.step;
        const points: [number, number][] = [
          [first, 1.5],
          [first + r.step, 2],
        ];
        const labels: Record<string, string> = r.aggregate ? { cpu: '0' } : { cpu: '0', node: 'n1' };
        return { tier: '1m', step: r.step, series: [{ metric: r.metric, labels, points }] };
      }),
      serveQuery(deps, metricsQueries.topK, async (r): Promise<TopKReply> => {
        asked.push({ what: 'topk', request: r });
        check(r.metric);
        return { items: [{ nodeId: 'n2', metric: r.metric, labels: {}, value: 97.5 }] };
      }),
      serveQuery(deps, metricsQueries.latest, async (r): Promise<LatestReply> => {
        asked.push({ what: 'latest', request: r });
        check(r.metric);
        return {
          items: [
            { nodeId: 'n1', metric: r.metric ?? 'm', labels: { cpu: '0' }, value: 10, timestamp: Date.now() - 1000 },
            { nodeId: 'n2', metric: r.metric ?? 'm', labels: { cpu: '0' }, value: 30, timestamp: Date.now() - 2000 },
            {
              nodeId: 'n3',
              metric: r.metric ?? 'm',
              labels: { cpu: '0' },
              value: 99,
              timestamp: Date.now() - 3600_000,
            },
          ],
        };
      }),
      serveQuery(deps, metricsQueries.labelNames, async (r) => {
        asked.push({ what: 'label-names', request: r });
        return { names: r.metric ? ['__name__', 'cpu', 'node'] : ['__name__', 'cpu', 'mount', 'node'] };
      }),
      serveQuery(deps, metricsQueries.labelValues, async (r) => {
        asked.push({ what: 'label-values', request: r });
        return { values: r.label === '__name__' ? ['node_cpu_usage_percent', 'node_load1'] : ['n1', 'n2'] };
      }),
    ];
  }

  /** `n` series of 10 points each (~200 bytes a series as JSON). */
  const wideSeries = (metric: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      metric,
      labels: { node: `node-${i}` },
      points: Array.from({ length: 10 }, (_, j): [number, number] => [1_700_000_000_000 + j * 10_000, j + 0.25]),
    }));

  const lastAsked = (what: string) => asked.filter((a) => a.what === what).at(-1)?.request;
  let token = '';
  const get = async (path: string) => {
    const r = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    return {
      status: r.status,
      type: r.headers.get('content-type'),
      retryAfter: r.headers.get('retry-after'),
      body: (await r.json()) as Record<string, unknown>,
    };
  };
  const post = async (path: string, body: string, contentType: string) => {
    const r = await fetch(base + path, {
      method: 'POST',
      body,
      headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
    });
    return {
      status: r.status,
      type: r.headers.get('content-type'),
      retryAfter: r.headers.get('retry-after'),
      body: (await r.json()) as Record<string, unknown>,
    };
  };
  const q = (params: Record<string, string | string[]>) => {
    const s = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) s.append(k, one);
    return s.toString();
  };

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    Object.assign(process.env, {
      ...isolatedGatewayEnv(tbus, tdb, testUrls),
      VIGIL_RPC_TIMEOUT_MS: '3000',
      VIGIL_HTTP_RESPONSE_LIMIT: String(256 * 1024),
      LOG_LEVEL: 'fatal',
      VIGIL_AUTH_SECRET: TEST_AUTH_SECRET,
      VIGIL_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    });
    // Loaded now: the module reads its configuration from the environment when first imported.
    const { AppModule } = jest.requireActual<typeof import('../app.module')>('../app.module');
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    serveStandIn();
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
  });
  afterAll(async () => {
    await Promise.all(subscriptions.map((s) => s.drain()));
    await app?.close();
    await tbus.close();
    await tdb.drop();
  });

  describe('/api/v1/metrics', () => {
    it('GET query_range maps every parameter onto the range query and answers its reply', async () => {
      const before = Date.now();
      const r = await get(
        `/api/v1/metrics/query_range?${q({
          metric: 'node_cpu_usage_percent',
          'match[]': ['cpu=~"0|1"', 'mode!="idle"'],
          node: 'n1,n2',
          node_label: 'rack=r1',
          start: 'now-1h',
          step: '1m',
          stat: 'max',
          agg: 'avg',
          by: 'cpu',
        })}`,
      );
      expect(r.status).toBe(200);
      const request = lastAsked('range') as Range;
      expect(request).toMatchObject({
        metric: 'node_cpu_usage_percent',
        matchers: [
          { label: 'cpu', op: '=~', value: '0|1' },
          { label: 'mode', op: '!=', value: 'idle' },
        ],
        nodes: { ids: ['n1', 'n2'], labels: { rack: 'r1' } },
        step: 60_000,
        stat: 'max',
        aggregate: { op: 'avg', by: ['cpu'] },
      });
      expect(request.end - request.start).toBe(3600_000);
      expect(request.end).toBeGreaterThanOrEqual(before);
      expect(r.body).toEqual({
        tier: '1m',
        step: 60_000,
        series: [{ metric: 'node_cpu_usage_percent', labels: { cpu: '0' }, points: expect.any(Array) }],
      });
    });

    it('POST query_range takes the contract request as JSON', async () => {
      const body = {
        metric: 'm',
        start: 1_700_000_000_000,
        end: 1_700_000_600_000,
        step: 60_000,
        nodes: { labels: { rack: 'r1', env: 'a,b' } },
      };
      const r = await post('/api/v1/metrics/query_range', JSON.stringify(body), 'application/json');
      expect(r.status).toBe(200);
      expect(lastAsked('range')).toEqual({ ...body, matchers: [], stat: 'avg' });
      expect((r.body.series as unknown[]).length).toBe(1);
    });

    it('answers errors as problem+json with the status of their type', async () => {
      const problem = async (path: string, status: number, type: string, detail: RegExp) => {
        const r = await get(path);
        expect([path, r.status, r.type]).toEqual([path, status, expect.stringContaining('application/problem+json')]);
        expect(r.body).toMatchObject({
          status,
          type: `https://vigil.dev/problems/${type}`,
          detail: expect.stringMatching(detail),
        });
      };
      await problem('/api/v1/metrics/query_range?metric=m&start=now-1h', 400, 'validation', /step is required/);
      await problem(
        '/api/v1/metrics/query_range?metric=m&start=now&end=now-1h&step=1m',
        400,
        'validation',
        /end must be after start/,
      );
      await problem(
        `/api/v1/metrics/query_range?${q({ metric: 'm', start: 'now-1h', step: '1m', 'match[]': 'cpu=0' })}`,
        400,
        'validation',
        /quoted value/,
      );
      await problem(
        `/api/v1/metrics/query_range?${q({ metric: 'm', start: 'now-1h', step: '1m', 'match[]': 'host!~"(?<!db)-1"' })}`,
        400,
        'validation',
        /invalid regular expression in matcher host!~"\(\?<!db\)-1" at position 6: lookbehind \(\?<!…\) is not supported/,
      );
      await problem(
        '/api/v1/metrics/query_range?metric=unknown_metric&start=now-1h&step=1m',
        404,
        'not-found',
        /unknown metric unknown_metric/,
      );
      await problem(
        '/api/v1/metrics/query_range?metric=too_much&start=now-1h&step=1m',
        422,
        'limit-exceeded',
        /180 points, more than VIGIL_METRICS_MAX_POINTS=100/,
      );
      const r = await post('/api/v1/metrics/query_range', JSON.stringify({ metric: 'm' }), 'application/json');
      expect(r.status).toBe(400);
    });

    it('refuses hostile query strings by their query schema, naming the parameter, and answers the next query', async () => {
      const asked = lastAsked('range');
      const hostile: [string, RegExp][] = [
        [`metric=m&start=now-1h&step=1m&${'node=a&'.repeat(101)}`, /^invalid query: node: /],
        [`metric=${'m'.repeat(5000)}&start=now-1h&step=1m`, /^invalid query: metric: /],
        ['metric=m&metric=n&start=now-1h&step=1m', /^invalid query: metric is given 2 times$/],
        ['metric=m&start=yesterday&step=1m', /^invalid query: start: "yesterday" is not a time/],
        ['metric=m&start=now-1h&step=1m&stat=median', /^invalid query: stat: /],
        ['metric=m&start=now-1h&step=1m&agg=median', /^invalid query: agg: /],
        [`metric=m&start=now-1h&step=1m&match[]=${encodeURIComponent('cpu=~')}`, /^invalid query: match: /],
      ];
      for (const [query, detail] of hostile) {
        const r = await get(`/api/v1/metrics/query_range?${query}`);
        expect([query.slice(0, 60), r.status, r.body.detail]).toEqual([
          query.slice(0, 60),
          400,
          expect.stringMatching(detail),
        ]);
      }
      const topk = await get('/api/v1/metrics/topk?metric=m&k=ten');
      expect([topk.status, topk.body.detail]).toEqual([400, 'invalid query: k: must be a whole number']);
      // None reached metrics-svc; a well-formed query still does, and is answered.
      expect(lastAsked('range')).toBe(asked);
      const ok = await get('/api/v1/metrics/query_range?metric=m&start=now-10m&step=1m&node=n1');
      expect(ok.status).toBe(200);
      expect((ok.body.series as unknown[]).length).toBe(1);
      expect(lastAsked('range')).toMatchObject({ metric: 'm', nodes: { ids: ['n1'] } });
    });

    it('GET topk and latest', async () => {
      let r = await get('/api/v1/metrics/topk?metric=node_cpu_usage_percent&k=5&start=now-1h&stat=max');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ items: [{ nodeId: 'n2', metric: 'node_cpu_usage_percent', labels: {}, value: 97.5 }] });
      expect(lastAsked('topk')).toMatchObject({
        k: 5,
        stat: 'max',
        order: 'desc',
        range: { start: expect.any(Number), end: expect.any(Number) },
      });
      r = await get('/api/v1/metrics/topk?metric=node_cpu_usage_percent');
      expect(lastAsked('topk')).not.toHaveProperty('range');
      r = await get('/api/v1/metrics/latest?node=n1');
      expect(r.status).toBe(200);
      expect((r.body.items as unknown[]).length).toBe(3);
      expect(lastAsked('latest')).toEqual({ matchers: [], nodes: { ids: ['n1'] } });
      r = await post('/api/v1/metrics/topk', JSON.stringify({ metric: 'm', k: 1 }), 'application/json');
      expect(r.status).toBe(200);
    });
  });

  describe('Prometheus-compatible API', () => {
    // A multiple of the 60 s step, so the first point is at start.
    const start = 1_699_999_980;
    const end = start + 600;

    it('GET /api/v1/query_range answers a matrix in Prometheus format', async () => {
      const r = await get(
        `/api/v1/query_range?${q({ query: 'node_cpu_usage_percent{node="n1",cpu=~"0|1"}', start: String(start), end: String(end), step: '60' })}`,
      );
      expect(r.status).toBe(200);
      expect(r.type).toContain('application/json');
      expect(r.body).toEqual({
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { __name__: 'node_cpu_usage_percent', cpu: '0', node: 'n1' },
              values: [
                [start, '1.5'],
                [start + 60, '2'],
              ],
            },
          ],
        },
      });
      expect(lastAsked('range')).toEqual({
        metric: 'node_cpu_usage_percent',
        matchers: [
          { label: 'node', op: '=', value: 'n1' },
          { label: 'cpu', op: '=~', value: '0|1' },
        ],
        start: start * 1000,
        end: end * 1000 + 1,
        step: 60_000,
        stat: 'avg',
      });
    });

    it('POST /api/v1/query_range takes a form, RFC 3339 times and duration steps; aggregations drop __name__', async () => {
      const r = await post(
        '/api/v1/query_range',
        q({
          query: 'avg by (cpu) (node_cpu_usage_percent)',
          start: new Date(start * 1000).toISOString(),
          end: String(end),
          step: '1m',
        }),
        'application/x-www-form-urlencoded',
      );
      expect(r.status).toBe(200);
      expect((r.body.data as { result: { metric: unknown }[] }).result[0].metric).toEqual({ cpu: '0' });
      expect(lastAsked('range')).toMatchObject({
        start: start * 1000,
        step: 60_000,
        aggregate: { op: 'avg', by: ['cpu'] },
      });
      // The same as JSON, with numbers for times and step.
      const json = await post(
        '/api/v1/query_range',
        JSON.stringify({ query: 'node_cpu_usage_percent', start, end, step: 60 }),
        'application/json',
      );
      expect(json.status).toBe(200);
      expect(lastAsked('range')).toMatchObject({ start: start * 1000, end: end * 1000 + 1, step: 60_000 });
    });

    it('answers errors in Prometheus format: bad_data 400, execution 422, and an unknown metric as empty', async () => {
      const expectError = async (path: string, status: number, errorType: string, error: RegExp) => {
        const r = await get(path);
        expect([path, r.status]).toEqual([path, status]);
        expect(r.body).toEqual({ status: 'error', errorType, error: expect.stringMatching(error) });
      };
      const range = (query: string, extra: Record<string, string> = {}) =>
        `/api/v1/query_range?${q({ query, start: String(start), end: String(end), step: '15s', ...extra })}`;
      await expectError(
        range('rate(node_cpu_seconds_total[5m])'),
        400,
        'bad_data',
        /function rate\(\) is not supported/,
      );
      await expectError(range('m', { step: '0' }), 400, 'bad_data', /zero or negative/);
      await expectError(
        range('m', { end: String(start - 10) }),
        400,
        'bad_data',
        /end timestamp must not be before start time/,
      );
      await expectError(range('m', { start: 'yesterday' }), 400, 'bad_data', /cannot parse "yesterday"/);
      await expectError('/api/v1/query_range', 400, 'bad_data', /query is required/);
      await expectError(range('m', { end: 'tomorrow' }), 400, 'bad_data', /^invalid query: end: cannot parse/);
      await expectError(`${range('m')}&query=n`, 400, 'bad_data', /^invalid query: query is given 2 times$/);
      await expectError('/api/v1/query?time=soon&query=m', 400, 'bad_data', /^invalid query: time: /);
      // RE2 syntax only: refused before metrics-svc is asked, naming the matcher.
      await expectError(
        range('m{path=~"(a)\\\\1"}'),
        400,
        'bad_data',
        /invalid regular expression in matcher path=~"\(a\)\\\\1" at position 8: backreferences \(\\1\) are not supported/,
      );
      await expectError(range('too_much'), 422, 'execution', /VIGIL_METRICS_MAX_POINTS=100/);
      const unknown = await get(range('unknown_metric'));
      expect(unknown).toMatchObject({
        status: 200,
        body: { status: 'success', data: { resultType: 'matrix', result: [] } },
      });
    });

    it('GET /api/v1/query answers an instant vector from the latest values within the lookback', async () => {
      const r = await get(`/api/v1/query?${q({ query: 'node_cpu_usage_percent' })}`);
      expect(r.status).toBe(200);
      const data = r.body.data as {
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      };
      expect(data.resultType).toBe('vector');
      expect(data.result.map((s) => [s.metric, s.value[1]])).toEqual([
        [{ __name__: 'node_cpu_usage_percent', cpu: '0', node: 'n1' }, '10'],
        [{ __name__: 'node_cpu_usage_percent', cpu: '0', node: 'n2' }, '30'],
      ]);
      expect(Math.abs(data.result[0].value[0] * 1000 - Date.now())).toBeLessThan(5000);
      const summed = await get(`/api/v1/query?${q({ query: 'sum(node_cpu_usage_percent)' })}`);
      expect((summed.body.data as { result: unknown[] }).result).toEqual([
        { metric: {}, value: [expect.any(Number), '40'] },
      ]);
      // In the past: the last point of each series from the rollups.
      const past = await post(
        '/api/v1/query',
        q({ query: 'node_cpu_usage_percent', time: String(start) }),
        'application/x-www-form-urlencoded',
      );
      expect(past.body).toEqual({
        status: 'success',
        data: {
          resultType: 'vector',
          result: [{ metric: { __name__: 'node_cpu_usage_percent', cpu: '0', node: 'n1' }, value: [start, '2'] }],
        },
      });
      expect(lastAsked('range')).toMatchObject({ start: start * 1000 - 300_000, end: start * 1000 + 1, stat: 'last' });
    });

    it('lists label names and values', async () => {
      expect((await get('/api/v1/labels')).body).toEqual({
        status: 'success',
        data: ['__name__', 'cpu', 'mount', 'node'],
      });
      expect((await get(`/api/v1/labels?${q({ 'match[]': 'node_load1{node="a"}' })}`)).body).toEqual({
        status: 'success',
        data: ['__name__', 'cpu', 'node'],
      });
      expect(lastAsked('label-names')).toEqual({ metric: 'node_load1' });
      expect((await post('/api/v1/labels', '', 'application/x-www-form-urlencoded')).body).toEqual({
        status: 'success',
        data: ['__name__', 'cpu', 'mount', 'node'],
      });
      expect((await get('/api/v1/label/__name__/values')).body).toEqual({
        status: 'success',
        data: ['node_cpu_usage_percent', 'node_load1'],
      });
      expect((await get(`/api/v1/label/node/values?${q({ 'match[]': 'node_load1' })}`)).body).toEqual({
        status: 'success',
        data: ['n1', 'n2'],
      });
      expect(lastAsked('label-values')).toEqual({ label: 'node', metric: 'node_load1' });
      expect((await get('/api/v1/label/bad-name/values')).status).toBe(400);
    });

    it('answers 503 unavailable when metrics-svc does not answer', async () => {
      await Promise.all(subscriptions.map((s) => s.drain()));
      subscriptions = [];
      const r = await get(
        `/api/v1/query_range?${q({ query: 'm', start: String(start), end: String(end), step: '60' })}`,
      );
      expect(r.status).toBe(503);
      expect(r.body).toEqual({
        status: 'error',
        errorType: 'unavailable',
        error: expect.stringMatching(/no metrics service is answering|timed out/),
      });
      const rest = await get('/api/v1/metrics/latest?metric=m');
      expect(rest.status).toBe(503);
    });
  });

  describe('replies that do not fit, and a busy service', () => {
    // The test before stopped the stand-in.
    beforeAll(async () => {
      if (subscriptions.length === 0) serveStandIn();
      await tbus.nc.flush();
    });
    const tooLarge = /^result too large — narrow the query or raise the step \(about \d+ bytes, at most \d+\)$/;
    const range = (metric: string) => `/api/v1/metrics/query_range?${q({ metric, start: 'now-1h', step: '1m' })}`;
    const promRange = (metric: string) =>
      `/api/v1/query_range?${q({ query: metric, start: '1700000000', end: '1700003600', step: '60' })}`;

    it('a service reply over max_payload: 422 problem+json, and Prometheus error JSON (execution) on its routes', async () => {
      const rest = await get(range('huge_metric'));
      expect(rest.status).toBe(422);
      expect(rest.type).toMatch(/application\/problem\+json/);
      expect(rest.body).toMatchObject({
        status: 422,
        title: 'limit exceeded',
        detail: expect.stringMatching(tooLarge),
      });
      const prom = await get(promRange('huge_metric'));
      expect(prom).toMatchObject({
        status: 422,
        body: { status: 'error', errorType: 'execution', error: expect.stringMatching(tooLarge) },
      });
      // The stand-in still answers what fits.
      expect((await get(range('node_load1'))).status).toBe(200);
    });

    it('an answer over the gateway’s own VIGIL_HTTP_RESPONSE_LIMIT is refused the same way', async () => {
      const rest = await get(range('wide_metric'));
      expect(rest).toMatchObject({ status: 422, body: { detail: expect.stringMatching(tooLarge) } });
      expect(rest.body.detail).toContain(`at most ${256 * 1024})`);
      const prom = await get(promRange('wide_metric'));
      expect(prom).toMatchObject({
        status: 422,
        body: { status: 'error', errorType: 'execution', error: expect.stringMatching(tooLarge) },
      });
    });

    it('a busy service: 503 with Retry-After, in both shapes', async () => {
      const rest = await get(range('busy_metric'));
      expect(rest).toMatchObject({ status: 503, retryAfter: '2', body: { title: 'unavailable' } });
      expect(rest.body.detail).toMatch(/^busy: /);
      const prom = await get(promRange('busy_metric'));
      expect(prom).toMatchObject({ status: 503, retryAfter: '2', body: { status: 'error', errorType: 'unavailable' } });
    });
  });
});
