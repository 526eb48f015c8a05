import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AlertView, SilenceView } from '../api/types';
import { useConsole } from '../app/context';
import { ALERT_STATES, type AlertFilters, routeHref, SEVERITIES } from '../app/routes';
import { ErrorNotice, Labels, Link, PageHeading, useNow } from '../views/common';
import { AlertStore } from './alert-store';
import { type AlertGroup, alertName, alertSince, groupAlerts, selectAlerts, SEVERITY_KEY, STATE_KEY } from './alerts';
import { SilenceDialog } from './silence-dialog';
import { SilencesEndingNotice } from './silences-ending';

/** Whether a role may create and expire silences (operator and admin, as the API decides). */
export const canSilence = (role: string): boolean => role === 'operator' || role === 'admin';

/** How often the list is read again while the live API is not connected. */
const POLL_MS = 30_000;

export function SeverityBadge(props: { severity?: string }) {
  const { t } = useConsole();
  const s = props.severity;
  if (!s) return <span class="muted">{t('common.none')}</span>;
  const key = SEVERITY_KEY[s];
  return <span class={`badge badge-sev-${key ? s : 'other'}`}>{key ? t(key) : s}</span>;
}

function useAlertStore(): AlertStore['state'] & { store: AlertStore } {
  const { live, liveStatus } = useConsole();
  const store = useMemo(() => new AlertStore(), []);
  const [state, setState] = useState(store.state);
  useEffect(() => {
    const off = store.subscribe(() => setState(store.state));
    store.start(live);
    return () => {
      off();
      store.stop();
    };
  }, [store, live]);
  useEffect(() => {
    if (liveStatus === 'open') return;
    const timer = setInterval(() => void store.load(), POLL_MS);
    return () => clearInterval(timer);
  }, [store, liveStatus]);
  return { ...state, store };
}

/**
 * Pending and firing alerts (`GET /api/v1/alerts`), grouped by alertname, kept current by the
 * live API; filters in the URL. Operators and admins silence an alert from here.
 */
export function AlertsView(props: { filters: AlertFilters }) {
  const { t, fmt, me, navigate, fleet } = useConsole();
  const f = props.filters;
  const state = useAlertStore();
  const now = useNow();
  const [silencing, setSilencing] = useState<AlertView | undefined>();
  const [created, setCreated] = useState<SilenceView | undefined>();
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());

  // The silence preview lists nodes: the fleet the console keeps (loaded once, kept live).
  useEffect(() => {
    if (fleet.state.loadedAt === undefined && !fleet.state.loading) void fleet.load();
  }, [fleet]);

  const all = state.alerts;
  const shown = useMemo(() => selectAlerts(all.values(), f), [all, state.version, f]);
  const groups = useMemo(() => groupAlerts(shown, fmt.collator), [shown, fmt]);
  const setFilters = (next: Partial<AlertFilters>) =>
    navigate(routeHref({ view: 'alerts', filters: { ...f, ...next } }), { replace: true });
  const toggle = (name: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(name)) next.add(name);
      return next;
    });

  return (
    <>
      <PageHeading>{t('alerts.title')}</PageHeading>
      {state.error !== undefined && <ErrorNotice error={state.error} onRetry={() => void state.store.load()} />}
      {created && (
        <p class="notice" role="status" data-created-silence={created.id}>
          {t('alerts.silenceCreated', { relative: fmt.relative(created.endsAt, now) })}{' '}
          <Link href={routeHref({ view: 'silences' })}>{t('alerts.seeSilences')}</Link>
        </p>
      )}
      <SilencesEndingNotice alerts={shown} now={now} />
      {f.fingerprints && (
        <LinkedAlerts
          fingerprints={f.fingerprints}
          found={f.fingerprints.filter((fp) => all.has(fp)).length}
          loaded={state.loadedAt !== undefined}
        />
      )}
      <section aria-labelledby="alert-filters-title">
        <h2 id="alert-filters-title" class="sr-only">
          {t('alerts.filters')}
        </h2>
        <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="alerts-q">{t('alerts.search')}</label>
            <input
              id="alerts-q"
              type="search"
              value={f.q}
              placeholder={t('alerts.searchHint')}
              onInput={(e) => setFilters({ q: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="alerts-state">{t('alerts.state')}</label>
            <select
              id="alerts-state"
              value={f.state ?? ''}
              onChange={(e) => setFilters({ state: ALERT_STATES.find((s) => s === e.currentTarget.value) })}
            >
              <option value="">{t('alerts.anyState')}</option>
              {ALERT_STATES.map((s) => (
                <option key={s} value={s}>
                  {t(STATE_KEY[s])}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="alerts-severity">{t('alerts.severity')}</label>
            <select
              id="alerts-severity"
              value={f.severity ?? ''}
              onChange={(e) => setFilters({ severity: SEVERITIES.find((s) => s === e.currentTarget.value) })}
            >
              <option value="">{t('alerts.anySeverity')}</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {t(SEVERITY_KEY[s] ?? 'common.none')}
                </option>
              ))}
            </select>
          </div>
          {(f.q || f.state || f.severity) && (
            <button type="button" onClick={() => setFilters({ q: '', state: undefined, severity: undefined })}>
              {t('filter.clear')}
            </button>
          )}
        </form>
      </section>
      {state.loading && state.loadedAt === undefined ? (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      ) : (
        <section aria-labelledby="alert-list-title" class="alert-groups">
          <h2 id="alert-list-title" data-alert-count={shown.length}>
            {t('alerts.count', { shown: fmt.number(shown.length), total: fmt.number(all.size) })}
          </h2>
          {groups.length === 0 && <p class="muted">{t('alerts.empty')}</p>}
          {groups.map((g) => (
            <Group
              key={g.name}
              group={g}
              open={!collapsed.has(g.name)}
              onToggle={() => toggle(g.name)}
              now={now}
              onSilence={canSilence(me.role) ? setSilencing : undefined}
            />
          ))}
        </section>
      )}
      {silencing && (
        <SilenceDialog
          alert={silencing}
          alerts={all}
          onClose={() => setSilencing(undefined)}
          onCreated={(s) => {
            setSilencing(undefined);
            setCreated(s);
            void state.store.load();
          }}
        />
      )}
    </>
  );
}

/** Which alerts a link (a notification's) named, and how many of them are not pending or firing now. */
function LinkedAlerts(props: { fingerprints: string[]; found: number; loaded: boolean }) {
  const { t, fmt } = useConsole();
  const gone = props.fingerprints.length - props.found;
  return (
    <div class="notice" role="status" data-linked-alerts={props.fingerprints.length}>
      <p>{t('alerts.linked', { count: fmt.number(props.fingerprints.length) })}</p>
      {props.loaded && gone > 0 && <p>{t('alerts.linkedGone', { count: fmt.number(gone) })}</p>}
      <p>
        {props.fingerprints.length === 1 && (
          <>
            <Link href={routeHref({ view: 'notifications', filters: { alert: props.fingerprints[0] } })}>
              {t('alerts.linkedNotifications')}
            </Link>{' '}
          </>
        )}
        <Link href={routeHref({ view: 'alerts', filters: { q: '' } })}>{t('alerts.showAll')}</Link>
      </p>
    </div>
  );
}

const groupId = (name: string) => `alert-group-${name.replace(/[^\w-]/g, '_')}`;

function Group(props: {
  group: AlertGroup;
  open: boolean;
  onToggle(): void;
  now: number;
  onSilence?: (a: AlertView) => void;
}) {
  const { t, fmt } = useConsole();
  const { group: g } = props;
  const id = groupId(g.name);
  return (
    <div class="card alert-group" data-alertname={g.name}>
      <h3>
        <button
          type="button"
          class="group-toggle"
          aria-expanded={props.open}
          aria-controls={id}
          onClick={props.onToggle}
        >
          <span class="group-caret" aria-hidden="true">
            {props.open ? '▾' : '▸'}
          </span>
          <span class="group-name">{g.name}</span>
          <span class="group-count">{fmt.number(g.alerts.length)}</span>
          <span class="muted">
            {t('alerts.groupCounts', { firing: fmt.number(g.firing), pending: fmt.number(g.pending) })}
          </span>
        </button>
      </h3>
      <div id={id} hidden={!props.open}>
        <table class="data alert-table">
          <caption class="sr-only">{g.name}</caption>
          <thead>
            <tr>
              <th scope="col">{t('alerts.node')}</th>
              <th scope="col">{t('alerts.state')}</th>
              <th scope="col">{t('alerts.severity')}</th>
              <th scope="col">{t('alerts.since')}</th>
              <th scope="col">{t('alerts.summary')}</th>
              <th scope="col">{t('alerts.labels')}</th>
              {props.onSilence && <th scope="col">{t('alerts.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {g.alerts.map((a) => (
              <AlertRow key={a.fingerprint} alert={a} now={props.now} onSilence={props.onSilence} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function AlertRow(props: { alert: AlertView; now: number; onSilence?: (a: AlertView) => void }) {
  const { t, fmt } = useConsole();
  const a = props.alert;
  const node = a.labels.node;
  const since = alertSince(a);
  // `now` ticks every few seconds: a transition newer than the last tick reads "now", not "in 2 seconds".
  const rest = Object.fromEntries(Object.entries(a.labels).filter(([k]) => k !== 'alertname' && k !== 'severity'));
  return (
    <tr data-fingerprint={a.fingerprint} data-state={a.state}>
      <th scope="row">
        {node ? <Link href={routeHref({ view: 'node', id: node, range: '1h' })}>{node}</Link> : t('common.none')}
      </th>
      <td>
        <span class="badges">
          <span class={`badge badge-${a.state}`}>{t(STATE_KEY[a.state])}</span>
          {a.silencedBy.length > 0 && <span class="badge badge-silenced">{t('alerts.silenced')}</span>}
        </span>
      </td>
      <td>
        <SeverityBadge severity={a.labels.severity} />
      </td>
      <td>
        <time dateTime={since} title={fmt.dateTime(since)}>
          {fmt.relative(since, Math.max(props.now, Date.parse(since)))}
        </time>
      </td>
      <td>{a.annotations.summary ?? a.annotations.description ?? t('common.none')}</td>
      <td>
        <Labels labels={rest} />
      </td>
      {props.onSilence && (
        <td>
          <button
            type="button"
            aria-label={t('alerts.silenceLabel', { alert: alertName(a), node: node ?? t('common.none') })}
            onClick={() => props.onSilence?.(a)}
          >
            {t('alerts.silence')}
          </button>
        </td>
      )}
    </tr>
  );
}
