import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api/http';
import type { TopKReply } from '../api/types';
import { useConsole } from '../app/context';
import { type FleetFilters, routeHref, STATUS_FILTERS, type StatusFilter } from '../app/routes';
import { countFleet, labelChoices, type NodeRow, selectRows } from '../fleet/fleet';
import type { FleetState } from '../fleet/store';
import type { MessageKey } from '../i18n/messages';
import { ErrorNotice, Link, PageHeading, useNow } from './common';
import { NodeTable } from './node-table';

const STATUS_FILTER_KEY: Record<StatusFilter, MessageKey> = {
  online: 'status.online',
  offline: 'status.offline',
  registered: 'status.registered',
  maintenance: 'status.maintenance',
};

/** How often the overview reads the fleet again while the live API is not connected. */
const POLL_MS = 30_000;

function useFleetState(): FleetState {
  const { fleet } = useConsole();
  const [state, setState] = useState(fleet.state);
  useEffect(() => {
    setState(fleet.state);
    return fleet.subscribe(() => setState(fleet.state));
  }, [fleet]);
  return state;
}

export function OverviewView(props: { filters: FleetFilters }) {
  const { t, fmt, fleet, navigate, liveStatus } = useConsole();
  const state = useFleetState();
  const now = useNow();
  const f = props.filters;

  useEffect(() => {
    if (state.loadedAt === undefined && !state.loading) void fleet.load();
    // Without the live API the fleet is read again now and then, so what it shows is not stale for long.
    if (liveStatus === 'open') return;
    const timer = setInterval(() => void fleet.load(), POLL_MS);
    return () => clearInterval(timer);
  }, [fleet, liveStatus]);

  const rows = state.rows;
  const counts = useMemo(() => countFleet(rows.values()), [rows, state.version]);
  const labels = useMemo(() => labelChoices(rows.values()), [rows, state.version]);
  const selected = useMemo(() => selectRows(rows.values(), f, fmt.collator), [rows, state.version, f, fmt]);

  const setFilters = (next: Partial<FleetFilters>) =>
    navigate(routeHref({ view: 'overview', filters: { ...f, ...next } }), { replace: true });

  return (
    <>
      <PageHeading>{t('overview.title')}</PageHeading>
      {state.error !== undefined && <ErrorNotice error={state.error} onRetry={() => void fleet.load()} />}
      {state.loading && (
        <p class="muted" role="status">
          {t('overview.loading', { loaded: fmt.number(state.loading.loaded), total: fmt.number(state.loading.total) })}
        </p>
      )}
      <section aria-labelledby="counts-title">
        <h2 id="counts-title" class="sr-only">
          {t('counts.label')}
        </h2>
        <ul class="counts">
          {(
            [
              ['count.total', counts.total, undefined],
              ['count.online', counts.online, 'online'],
              ['count.offline', counts.offline, 'offline'],
              ['count.registered', counts.registered, 'registered'],
              ['count.maintenance', counts.maintenance, 'maintenance'],
            ] as const
          ).map(([key, value, status]) => (
            <li key={key} class={`count count-${status ?? 'total'}`}>
              <Link href={routeHref({ view: 'overview', filters: { ...f, status } })} current={f.status === status}>
                <span class="count-value" data-count={key}>
                  {fmt.number(value)}
                </span>
                <span class="count-label">{t(key)}</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
      <Busiest rows={rows} />
      <section aria-labelledby="nodes-title">
        <h2 id="nodes-title">{t('filter.label')}</h2>
        <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="filter-q">{t('filter.search')}</label>
            <input
              id="filter-q"
              type="search"
              value={f.q}
              placeholder={t('filter.searchHint')}
              onInput={(e) => setFilters({ q: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="filter-label">{t('filter.labels')}</label>
            <select
              id="filter-label"
              value=""
              onChange={(e) => {
                const v = e.currentTarget.value;
                if (v && !f.labels.includes(v)) setFilters({ labels: [...f.labels, v] });
              }}
            >
              <option value="">{t('filter.anyLabel')}</option>
              {labels
                .filter((l) => !f.labels.includes(l))
                .map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
            </select>
          </div>
          <div class="field">
            <label for="filter-status">{t('filter.status')}</label>
            <select
              id="filter-status"
              value={f.status ?? ''}
              onChange={(e) =>
                setFilters({ status: STATUS_FILTERS.find((s) => s === e.currentTarget.value) ?? undefined })
              }
            >
              <option value="">{t('filter.anyStatus')}</option>
              {STATUS_FILTERS.map((s) => (
                <option key={s} value={s}>
                  {t(STATUS_FILTER_KEY[s])}
                </option>
              ))}
            </select>
          </div>
          {(f.q || f.labels.length > 0 || f.status) && (
            <button type="button" onClick={() => setFilters({ q: '', labels: [], status: undefined })}>
              {t('filter.clear')}
            </button>
          )}
        </form>
        {f.labels.length > 0 && (
          <ul class="chips">
            {f.labels.map((l) => (
              <li key={l}>
                <button
                  type="button"
                  class="chip"
                  aria-label={t('filter.removeLabel', { label: l })}
                  onClick={() => setFilters({ labels: f.labels.filter((x) => x !== l) })}
                >
                  <code>{l}</code>
                  <span aria-hidden="true">×</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <NodeTable
          rows={selected}
          selection={routeHref({ view: 'overview', filters: f })}
          total={counts.total}
          sort={f.sort}
          desc={f.desc}
          now={now}
          onSort={(sort, desc) => setFilters({ sort, desc })}
        />
      </section>
    </>
  );
}

interface TopSpec {
  key: MessageKey;
  metric: string;
  match?: string;
  format: 'percent' | 'ratio';
}

const TOP: TopSpec[] = [
  { key: 'worst.cpu', metric: 'node_cpu_usage_percent', match: 'cpu=""', format: 'percent' },
  { key: 'worst.memory', metric: 'node_memory_used_ratio', format: 'ratio' },
  { key: 'worst.disk', metric: 'node_filesystem_used_ratio', format: 'ratio' },
];

/** The nodes highest on CPU, memory and disk now (metrics-svc's top-k of the latest values). */
function Busiest(props: { rows: Map<string, NodeRow> }) {
  const { t } = useConsole();
  return (
    <section aria-labelledby="busiest-title">
      <h2 id="busiest-title">{t('worst.title')}</h2>
      <div class="busiest">
        {TOP.map((spec) => (
          <TopList key={spec.key} spec={spec} rows={props.rows} />
        ))}
      </div>
    </section>
  );
}

function TopList(props: { spec: TopSpec; rows: Map<string, NodeRow> }) {
  const { t, fmt, liveStatus } = useConsole();
  const { spec } = props;
  const [state, setState] = useState<{ items?: TopKReply['items']; error?: unknown }>({});
  useEffect(() => {
    const abort = new AbortController();
    const load = () =>
      api<TopKReply>(
        `/api/v1/metrics/topk?${query({ metric: spec.metric, k: 5, 'match[]': spec.match ? [spec.match] : undefined })}`,
        { signal: abort.signal },
      ).then(
        (r) => setState({ items: r.items }),
        (error: unknown) => {
          if (abort.signal.aborted) return;
          // 404: no node ever sent this metric.
          setState(error instanceof ApiError && error.status === 404 ? { items: [] } : { error });
        },
      );
    void load();
    const timer = setInterval(() => void load(), liveStatus === 'open' ? 10_000 : 30_000);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [spec, liveStatus]);
  const format = (v: number) => (spec.format === 'percent' ? fmt.percent(v) : fmt.ratio(v));
  const titleId = `top-${spec.metric}`;
  return (
    <div class="card toplist">
      <h3 id={titleId}>{t(spec.key)}</h3>
      {state.error !== undefined && <ErrorNotice error={state.error} />}
      {state.items?.length === 0 && <p class="muted">{t('worst.none')}</p>}
      {state.items && state.items.length > 0 && (
        <ol aria-labelledby={titleId}>
          {state.items.map((item) => {
            const name = props.rows.get(item.nodeId)?.hostname ?? item.nodeId;
            return (
              <li key={`${item.nodeId}${JSON.stringify(item.labels)}`}>
                <Link href={routeHref({ view: 'node', id: item.nodeId, range: '1h' })}>
                  {item.labels.mount ? t('worst.onMount', { node: name, mount: item.labels.mount }) : name}
                </Link>
                <span class="top-value">{format(item.value)}</span>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
