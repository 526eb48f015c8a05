import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query } from '../api/http';
import { useConsole } from '../app/context';
import { isFingerprint, NOTIFICATION_STATES, type NotificationFilters, routeHref } from '../app/routes';
import { ErrorNotice, Link, PageHeading, useNow } from '../views/common';
import { applyOutcome, listQuery, NOTIFICATION_STATE_KEY, outcomeOf, PAGE_SIZE } from './notifications';
import type { NotificationListReply, NotificationView } from './types';
import { useReceivers } from './receivers-view';

/** How often the list is read again while the live API is not connected. */
const POLL_MS = 30_000;

/**
 * The notification history (`GET /api/v1/alerts/notifications`), newest first, a page at a time,
 * with receiver, state and alert filters in the URL; kept current by the live API's
 * `notifications` topic (an outcome moves its notification; one of a notification the newest page
 * does not hold reads the page again).
 */
export function NotificationsView(props: { filters: NotificationFilters }) {
  const { t, fmt, live, liveStatus, navigate } = useConsole();
  const f = props.filters;
  const now = useNow();
  const receivers = useReceivers();
  const [rows, setRows] = useState<NotificationView[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [round, setRound] = useState(0);
  const [alertText, setAlertText] = useState(f.alert ?? '');
  const filtersRef = useRef(f);
  filtersRef.current = f;
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reloadSoon = () => {
    clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => setRound((r) => r + 1), 300);
  };
  const key = routeHref({ view: 'notifications', filters: f });

  useEffect(() => {
    const abort = new AbortController();
    api<NotificationListReply>(`/api/v1/alerts/notifications?${query(listQuery(f))}`, { signal: abort.signal }).then(
      (r) => {
        if (abort.signal.aborted) return;
        setRows(r.notifications);
        setError(undefined);
      },
      (e: unknown) => !abort.signal.aborted && setError(e),
    );
    return () => abort.abort();
  }, [key, round]);
  useEffect(() => setAlertText(f.alert ?? ''), [f.alert]);

  useEffect(
    () =>
      live.subscribeEvents(
        'notifications',
        (event) => {
          const o = outcomeOf(event);
          if (!o) return;
          setRows((list) => {
            if (!list) return list;
            const r = applyOutcome(list, o, filtersRef.current, event.occurredAt);
            if (r.reload) reloadSoon();
            return r.changed ? r.list : list;
          });
        },
        () => setRound((r) => r + 1),
      ),
    [live],
  );
  useEffect(() => () => clearTimeout(reloadTimer.current), []);
  useEffect(() => {
    if (liveStatus === 'open') return;
    const timer = setInterval(() => setRound((r) => r + 1), POLL_MS);
    return () => clearInterval(timer);
  }, [liveStatus]);

  const setFilters = (next: Partial<NotificationFilters>) => {
    const merged: NotificationFilters = { ...f, ...next };
    delete merged.before; // a new filter starts at the newest page
    for (const k of ['receiver', 'state', 'alert'] as const) if (!merged[k]) delete merged[k];
    navigate(routeHref({ view: 'notifications', filters: merged }), { replace: true });
  };
  const list = rows ?? [];
  const names = receivers.value?.receivers.map((r) => r.name) ?? [];
  const alertInvalid = alertText !== '' && !isFingerprint(alertText);
  const older = list.length === PAGE_SIZE ? list[list.length - 1].id : undefined;

  return (
    <>
      <PageHeading>{t('notifications.title')}</PageHeading>
      {error !== undefined && <ErrorNotice error={error} onRetry={() => setRound((r) => r + 1)} />}
      <section aria-labelledby="notification-filters-title">
        <h2 id="notification-filters-title" class="sr-only">
          {t('notifications.filters')}
        </h2>
        <form
          class="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (!alertInvalid) setFilters({ alert: alertText || undefined });
          }}
        >
          <div class="field">
            <label for="notifications-receiver">{t('notifications.receiver')}</label>
            <select
              id="notifications-receiver"
              value={f.receiver ?? ''}
              onChange={(e) => setFilters({ receiver: e.currentTarget.value || undefined })}
            >
              <option value="">{t('notifications.anyReceiver')}</option>
              {[...new Set([...names, ...(f.receiver ? [f.receiver] : [])])].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="notifications-state">{t('notifications.state')}</label>
            <select
              id="notifications-state"
              value={f.state ?? ''}
              onChange={(e) => setFilters({ state: NOTIFICATION_STATES.find((s) => s === e.currentTarget.value) })}
            >
              <option value="">{t('notifications.anyState')}</option>
              {NOTIFICATION_STATES.map((s) => (
                <option key={s} value={s}>
                  {t(NOTIFICATION_STATE_KEY[s])}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="notifications-alert">{t('notifications.alert')}</label>
            <input
              id="notifications-alert"
              type="search"
              value={alertText}
              placeholder={t('notifications.alertHint')}
              aria-invalid={alertInvalid}
              aria-describedby={alertInvalid ? 'notifications-alert-error' : undefined}
              onInput={(e) => setAlertText(e.currentTarget.value.trim())}
            />
            {alertInvalid && (
              <p id="notifications-alert-error" class="field-error">
                {t('notifications.alertInvalid')}
              </p>
            )}
          </div>
          <button type="submit">{t('notifications.apply')}</button>
          {(f.receiver || f.state || f.alert) && (
            <button
              type="button"
              onClick={() => setFilters({ receiver: undefined, state: undefined, alert: undefined })}
            >
              {t('filter.clear')}
            </button>
          )}
        </form>
      </section>
      {rows === undefined && error === undefined ? (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      ) : (
        <section aria-labelledby="notification-list-title" class="card">
          <h2 id="notification-list-title" data-notification-count={list.length}>
            {f.before ? t('notifications.olderPage') : t('notifications.newestPage')}
          </h2>
          {list.length === 0 ? (
            <p class="muted">{t('notifications.empty')}</p>
          ) : (
            <div class="notification-scroll" tabIndex={0} role="region" aria-labelledby="notification-list-title">
              <table class="data notification-table">
                <thead>
                  <tr>
                    <th scope="col">{t('notifications.created')}</th>
                    <th scope="col">{t('notifications.receiver')}</th>
                    <th scope="col">{t('notifications.state')}</th>
                    <th scope="col">{t('notifications.attempts')}</th>
                    <th scope="col">{t('notifications.lastAnswer')}</th>
                    <th scope="col">{t('notifications.alerts')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((n) => (
                    <tr key={n.id} data-notification={n.id} data-state={n.state}>
                      <th scope="row">
                        <time dateTime={n.createdAt} title={fmt.dateTime(n.createdAt)}>
                          {fmt.relative(n.createdAt, Math.max(now, Date.parse(n.createdAt)))}
                        </time>
                      </th>
                      <td>
                        <Link href={routeHref({ view: 'notifications', filters: { receiver: n.receiver } })}>
                          {n.receiver}
                        </Link>
                      </td>
                      <td>
                        <span class="badges">
                          <span class={`badge badge-notification-${n.state}`}>
                            {t(NOTIFICATION_STATE_KEY[n.state])}
                          </span>
                          <span class={`badge badge-${n.status}`}>
                            {n.status === 'firing' ? t('notifications.firing') : t('notifications.resolved')}
                          </span>
                        </span>
                      </td>
                      <td>{fmt.number(n.attempts)}</td>
                      <td>
                        {n.lastStatus !== undefined && <code>{n.lastStatus}</code>}{' '}
                        {n.lastError ? <span class="notification-error">{n.lastError}</span> : null}
                        {n.lastStatus === undefined && !n.lastError && t('common.none')}
                      </td>
                      <td>
                        <ul class="plain">
                          {n.alerts.map((a) => (
                            <li key={a.fingerprint}>
                              <Link
                                href={routeHref({ view: 'alerts', filters: { q: '', fingerprints: [a.fingerprint] } })}
                                title={t('notifications.openAlert', {
                                  alert: a.labels.alertname ?? a.fingerprint,
                                  node: a.labels.node ?? t('common.none'),
                                })}
                              >
                                {a.labels.alertname ?? a.fingerprint}
                                {a.labels.node ? ` · ${a.labels.node}` : ''}
                              </Link>
                            </li>
                          ))}
                        </ul>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav class="pager" aria-label={t('notifications.pages')}>
            {f.before && (
              <Link href={routeHref({ view: 'notifications', filters: { ...f, before: undefined } })}>
                {t('notifications.newest')}
              </Link>
            )}
            {older && (
              <Link href={routeHref({ view: 'notifications', filters: { ...f, before: older } })}>
                {t('notifications.older')}
              </Link>
            )}
          </nav>
        </section>
      )}
    </>
  );
}
