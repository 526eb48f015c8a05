import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api/http';
import type { LatestReply, NodeView, RangeQueryReply } from '../api/types';
import { useConsole } from '../app/context';
import { RANGES, type RangeKey, routeHref } from '../app/routes';
import { loadNode } from '../fleet/load';
import type { Formatters } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { ErrorNotice, Labels, Link, PageHeading, StatusBadge, useLoad, useNow } from '../views/common';
import { appendLive, type Series } from './chart-data';
import { MetricChart } from './metric-chart';

const RANGE_KEY: Record<RangeKey, MessageKey> = {
  '15m': 'range.15m',
  '1h': 'range.1h',
  '6h': 'range.6h',
  '24h': 'range.24h',
  '7d': 'range.7d',
};
/** Each range and the step of its points (a few hundred per series at most). */
const RANGE_MS: Record<RangeKey, { span: number; step: string }> = {
  '15m': { span: 15 * 60_000, step: '10s' },
  '1h': { span: 3_600_000, step: '30s' },
  '6h': { span: 6 * 3_600_000, step: '2m' },
  '24h': { span: 24 * 3_600_000, step: '10m' },
  '7d': { span: 7 * 24 * 3_600_000, step: '1h' },
};

interface ChartSpec {
  id: string;
  title: MessageKey;
  metric: string;
  /** A PromQL matcher the series must meet (the whole-host CPU series has no `cpu` label). */
  match?: string;
  accepts(labels: Record<string, string>): boolean;
  /** The label that tells series apart. */
  by?: string;
  format(fmt: Formatters): (v: number) => string;
  yRange?: [number, number];
}

const CHARTS: ChartSpec[] = [
  {
    id: 'cpu',
    title: 'chart.cpu',
    metric: 'node_cpu_usage_percent',
    match: 'cpu=""',
    accepts: (l) => l.cpu === undefined || l.cpu === '',
    format: (fmt) => fmt.percent,
    yRange: [0, 100],
  },
  {
    id: 'memory',
    title: 'chart.memory',
    metric: 'node_memory_used_ratio',
    accepts: () => true,
    format: (fmt) => fmt.ratio,
    yRange: [0, 1],
  },
  {
    id: 'disk',
    title: 'chart.disk',
    metric: 'node_filesystem_used_ratio',
    by: 'mount',
    accepts: () => true,
    format: (fmt) => fmt.ratio,
    yRange: [0, 1],
  },
  {
    id: 'network',
    title: 'chart.network',
    metric: 'node_network_receive_bytes_per_second',
    by: 'device',
    accepts: () => true,
    format: (fmt) => fmt.bytesPerSecond,
  },
];
const LIVE_METRICS = CHARTS.map((c) => c.metric);
const POLL_MS = 30_000;

const seriesKey = (spec: ChartSpec, labels: Record<string, string>) => (spec.by ? (labels[spec.by] ?? '') : '');

export function NodeDetailView(props: { id: string; range: RangeKey; theme: string }) {
  const { t } = useConsole();
  const now = useNow();
  const node = useLoad((signal) => loadNode(props.id, signal), [props.id]);
  const uptime = useLoad(
    (signal) =>
      api<LatestReply>(`/api/v1/metrics/latest?${query({ metric: 'node_uptime_seconds', node: props.id })}`, {
        signal,
      }).then(
        (r) => r.items[0]?.value,
        () => undefined,
      ),
    [props.id],
  );

  if (node.error instanceof ApiError && node.error.status === 404)
    return (
      <>
        <PageHeading>{props.id}</PageHeading>
        <p class="notice">{t('node.notFound', { id: props.id })}</p>
        <Link href="/">{t('node.back')}</Link>
      </>
    );

  const n = node.value;
  return (
    <>
      <p class="breadcrumb">
        <Link href="/">{t('node.back')}</Link>
      </p>
      <PageHeading>{n?.hostname ?? props.id}</PageHeading>
      {node.error !== undefined && <ErrorNotice error={node.error} onRetry={node.reload} />}
      {node.loading && !n && (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {n && <Summary node={n} now={now} uptime={uptime.value} />}
      <Charts id={props.id} range={props.range} theme={props.theme} />
      {n && <Inventory node={n} />}
    </>
  );
}

function Summary(props: { node: NodeView; now: number; uptime: number | undefined }) {
  const { t, fmt } = useConsole();
  const n = props.node;
  return (
    <section class="card summary" aria-labelledby="summary-title">
      <h2 id="summary-title">{t('node.summary')}</h2>
      <dl class="facts">
        <dt>{t('node.id')}</dt>
        <dd>
          <code>{n.id}</code>
        </dd>
        <dt>{t('node.status')}</dt>
        <dd>
          <StatusBadge status={n.status} maintenance={n.maintenance !== null} />
        </dd>
        <dt>{t('node.lastSeen')}</dt>
        <dd>
          {n.lastSeenAt ? (
            <time dateTime={n.lastSeenAt} title={fmt.dateTime(n.lastSeenAt)}>
              {fmt.relative(n.lastSeenAt, props.now)}
            </time>
          ) : (
            t('time.never')
          )}
        </dd>
        <dt>{t('node.registeredAt')}</dt>
        <dd>{fmt.dateTime(n.registeredAt)}</dd>
        <dt>{t('node.agentVersion')}</dt>
        <dd>{n.agentVersion}</dd>
        <dt>{t('node.uptime')}</dt>
        <dd>{props.uptime !== undefined ? fmt.duration(props.uptime) : t('common.none')}</dd>
        {n.maintenance && (
          <>
            <dt>{t('node.maintenance')}</dt>
            <dd>
              {t('node.maintenanceSince', {
                since: fmt.dateTime(n.maintenance.since),
                reason: n.maintenance.reason,
                by: n.maintenance.by,
              })}
              {n.maintenance.until && ` ${t('node.maintenanceUntil', { until: fmt.dateTime(n.maintenance.until) })}`}
            </dd>
          </>
        )}
        <dt>{t('node.labels')}</dt>
        <dd>{Object.keys(n.labels).length ? <Labels labels={n.labels} /> : t('node.noLabels')}</dd>
      </dl>
    </section>
  );
}

function Inventory(props: { node: NodeView }) {
  const { t, fmt } = useConsole();
  const inv = props.node.inventory;
  return (
    <section class="card" aria-labelledby="inventory-title">
      <h2 id="inventory-title">{t('node.inventory')}</h2>
      {!inv ? (
        <p class="muted">{t('node.noInventory')}</p>
      ) : (
        <dl class="facts">
          <dt>{t('inv.os')}</dt>
          <dd>
            {inv.os.distro} {inv.os.release} ({inv.os.platform}, {inv.os.arch})
          </dd>
          <dt>{t('inv.kernel')}</dt>
          <dd>{inv.os.kernel}</dd>
          <dt>{t('inv.cpu')}</dt>
          <dd>
            {inv.cpu.model} ·{' '}
            {t('inv.cores', { cores: fmt.number(inv.cpu.cores), physical: fmt.number(inv.cpu.physicalCores) })}
          </dd>
          <dt>{t('inv.memory')}</dt>
          <dd>{fmt.bytes(inv.memoryBytes)}</dd>
          <dt>{t('inv.disks')}</dt>
          <dd>
            <ul class="plain">
              {inv.disks.map((d) => (
                <li key={d.device}>
                  <code>{d.device}</code> {d.type} {fmt.bytes(d.sizeBytes)}
                </li>
              ))}
            </ul>
          </dd>
          <dt>{t('inv.interfaces')}</dt>
          <dd>
            <ul class="plain">
              {inv.interfaces.map((i) => (
                <li key={i.name}>
                  <code>{i.name}</code> {[...i.ipv4, ...i.ipv6].join(', ')}
                </li>
              ))}
            </ul>
          </dd>
          {inv.gpus.length > 0 && (
            <>
              <dt>{t('inv.gpus')}</dt>
              <dd>
                <ul class="plain">
                  {inv.gpus.map((g) => (
                    <li key={g.index}>
                      {g.name} {fmt.bytes(g.memoryBytes)}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          )}
          <dt>{t('inv.collectedAt')}</dt>
          <dd>{fmt.dateTime(inv.collectedAt)}</dd>
        </dl>
      )}
    </section>
  );
}

interface ChartState {
  series: Series[];
  version: number;
  error?: unknown;
  loaded: boolean;
}

/**
 * The node's charts over the chosen range: one range query per metric, then the live API's samples
 * of this node appended as they come (polled again every 30 s while the live API is not connected).
 */
function Charts(props: { id: string; range: RangeKey; theme: string }) {
  const { t, fmt, live, liveStatus, navigate } = useConsole();
  const { span, step } = RANGE_MS[props.range];
  const [state, setState] = useState<Record<string, ChartState>>({});
  const [shown, setShown] = useState({ from: Date.now() - span, to: Date.now() });
  const [round, setRound] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    const to = Date.now();
    setShown({ from: to - span, to });
    for (const spec of CHARTS) {
      const params = query({
        metric: spec.metric,
        node: props.id,
        start: `now-${props.range}`,
        step,
        'match[]': spec.match ? [spec.match] : undefined,
      });
      api<RangeQueryReply>(`/api/v1/metrics/query_range?${params}`, { signal: abort.signal }).then(
        (reply) => {
          const series: Series[] = reply.series
            .filter((s) => spec.accepts(s.labels))
            .map((s) => ({
              key: seriesKey(spec, s.labels),
              points: s.points.map(([at, v]) => [at, v] as [number, number]),
            }))
            .sort((a, b) => a.key.localeCompare(b.key));
          setState((all) => ({
            ...all,
            [spec.id]: { series, version: (all[spec.id]?.version ?? 0) + 1, loaded: true },
          }));
        },
        (error: unknown) => {
          if (abort.signal.aborted) return;
          const none = error instanceof ApiError && error.status === 404;
          setState((all) => ({
            ...all,
            [spec.id]: {
              series: [],
              version: (all[spec.id]?.version ?? 0) + 1,
              loaded: true,
              error: none ? undefined : error,
            },
          }));
        },
      );
    }
    return () => abort.abort();
  }, [props.id, props.range, round]);

  useEffect(() => {
    if (liveStatus !== 'open') {
      const timer = setInterval(() => setRound((r) => r + 1), POLL_MS);
      return () => clearInterval(timer);
    }
    return live.subscribeSamples([props.id], LIVE_METRICS, (frame) => {
      if (frame.nodeId !== props.id) return;
      setState((all) => {
        const next = { ...all };
        const since = frame.timestamp - span;
        for (const spec of CHARTS) {
          const chart = all[spec.id];
          if (!chart?.loaded) continue;
          let changed = false;
          for (const s of frame.samples)
            if (s.name === spec.metric && spec.accepts(s.labels))
              changed = appendLive(chart.series, seriesKey(spec, s.labels), frame.timestamp, s.value, since) || changed;
          if (changed) next[spec.id] = { ...chart, version: chart.version + 1 };
        }
        return next;
      });
      setShown((w) => (frame.timestamp > w.to ? { from: frame.timestamp - span, to: frame.timestamp } : w));
    });
  }, [live, liveStatus, props.id, span]);

  return (
    <section aria-labelledby="charts-title">
      <div class="section-head">
        <h2 id="charts-title">{t('charts.title')}</h2>
        <div class="field inline">
          <label for="chart-range">{t('charts.range')}</label>
          <select
            id="chart-range"
            value={props.range}
            onChange={(e) => {
              const range = RANGES.find((r) => r === e.currentTarget.value) ?? '1h';
              navigate(routeHref({ view: 'node', id: props.id, range }), { replace: true });
            }}
          >
            {RANGES.map((r) => (
              <option key={r} value={r}>
                {t(RANGE_KEY[r])}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div class="charts">
        {CHARTS.map((spec) => {
          const chart = state[spec.id];
          return (
            <div key={spec.id}>
              {chart?.error !== undefined && <ErrorNotice error={chart.error} onRetry={() => setRound((r) => r + 1)} />}
              {chart?.loaded ? (
                <MetricChart
                  id={`chart-${spec.id}`}
                  title={t(spec.title)}
                  series={chart.series}
                  version={chart.version}
                  format={spec.format(fmt)}
                  yRange={spec.yRange}
                  fromMs={shown.from}
                  toMs={shown.to}
                  theme={props.theme}
                />
              ) : (
                <p class="card muted" role="status">
                  {t('common.loading')}
                </p>
              )}
            </div>
          );
        })}
      </div>
    </section>
  );
}
