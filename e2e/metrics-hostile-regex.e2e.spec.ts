import { type LatestReply, type Sample, sampleBatchMessage } from '@vigil/contracts';
import { eventually, freePort, ServiceProcess, sleep } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(90_000);

const HOSTILE_PATHS = ['a'.repeat(32), 'a'.repeat(1024), `${'a'.repeat(1000)}!`];

/**
 * Issue 19, point 4, the query path: label values a hostile node chose, matched by `(a+)+b` in
 * queries at the gateway (REST `match[]` and PromQL), answered by the running metrics-svc on RE2
 * in linear time, while a well-behaved node's fresh samples keep showing up in the answers.
 */
describe('metrics: regex matchers over hostile label values (gateway → metrics-svc)', () => {
  const platform = new TestPlatform();
  let seq = 0;
  let stopped = false;
  const feeds: Promise<void>[] = [];
  /** Publishes `samples()` for `nodeId` every 500 ms until the end of the suite. */
  const feed = (nodeId: string, samples: () => Sample[]) =>
    feeds.push(
      (async () => {
        while (!stopped) {
          const m = sampleBatchMessage(platform.bus.topology, {
            nodeId,
            seq: ++seq,
            timestamp: Date.now(),
            intervalMs: 500,
            samples: samples(),
          });
          await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId }).catch(() => undefined);
          await sleep(500);
        }
      })(),
    );

  beforeAll(async () => {
    await platform.setup();
    const metricsPort = await freePort();
    const metrics = new ServiceProcess('metrics-svc', {
      ...platform.env('metrics-svc'),
      VIGIL_METRICS_PORT: String(metricsPort),
    }).start();
    platform.processes.push(metrics);
    await Promise.all([
      platform.startGateway(),
      metrics.waitHttpOk(`http://127.0.0.1:${metricsPort}/health/ready`, 60_000),
    ]);
  }, 60_000);
  afterAll(async () => {
    stopped = true;
    await Promise.all(feeds);
    await platform.teardown();
  }, 30_000);

  const get = <T>(path: string) => platform.getJson<T>('gateway', path);
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

  it('answers (a+)+b over the hostile values in well under a second, with the well-behaved node’s fresh value', async () => {
    feed('hostile-1', () => HOSTILE_PATHS.map((path) => ({ name: 'test_path_bytes', labels: { path }, value: 1 })));
    let goodValue = 1;
    feed('good-1', () => [{ name: 'test_path_bytes', labels: { path: 'aab' }, value: goodValue }]);

    const latest = (value: number) =>
      eventually(
        async () => {
          const started = performance.now();
          const r = await get<LatestReply>(
            `/api/v1/metrics/latest?${q({ metric: 'test_path_bytes', 'match[]': 'path=~"(a+)+b"' })}`,
          );
          const elapsed = performance.now() - started;
          return r.status === 200 && r.body.items.some((i) => i.value === value) && { items: r.body.items, elapsed };
        },
        { timeoutMs: 30_000, what: `the well-behaved node's value ${value}` },
      );
    // Every hostile series must be stored (and so examined by the regex) before the answer counts.
    await eventually(
      async () => {
        const r = await get<LatestReply>(
          `/api/v1/metrics/latest?${q({ metric: 'test_path_bytes', 'match[]': 'path=~"a+!?"' })}`,
        );
        return r.status === 200 && r.body.items.length === HOSTILE_PATHS.length;
      },
      { timeoutMs: 30_000, what: 'the hostile series stored' },
    );

    const first = await latest(1);
    expect(first.items.map((i) => [i.nodeId, i.labels.path])).toEqual([['good-1', 'aab']]);
    expect(first.elapsed).toBeLessThan(1000);

    // PromQL at the Prometheus API, the same matcher: the same single series.
    const prom = await get<{ status: string; data: { result: { metric: Record<string, string> }[] } }>(
      `/api/v1/query?${q({ query: 'test_path_bytes{path=~"(a+)+b"}' })}`,
    );
    expect(prom.status).toBe(200);
    expect(prom.body.data.result.map((r) => [r.metric.node, r.metric.path])).toEqual([['good-1', 'aab']]);

    // Fresh data from the well-behaved node still flows through.
    goodValue = 2;
    const second = await latest(2);
    expect(second.items.map((i) => [i.nodeId, i.value])).toEqual([['good-1', 2]]);
    expect(second.elapsed).toBeLessThan(1000);

    // Syntax RE2 does not have is refused at the edge, naming the matcher.
    const refused = await get<{ errorType: string; error: string }>(
      `/api/v1/query?${q({ query: 'test_path_bytes{path=~"(?=a)a+"}' })}`,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/invalid regular expression in matcher path=~"\(\?=a\)a\+".*lookahead/);
  });
});
