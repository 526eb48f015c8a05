import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/http';
import { useConsole } from '../app/context';
import { routeHref } from '../app/routes';
import type { Translate } from '../i18n/i18n';
import { ErrorNotice, Link, PageHeading, useLoad } from '../views/common';
import type { ReceiverListReply, RouteView, RoutingReply, TestReceiverReply } from './types';

/** Whether a role may send a receiver the test notification (operator and admin, as the API decides). */
export const canTestSend = (role: string): boolean => role === 'operator' || role === 'admin';

/** The receivers' names and kinds (`GET /api/v1/alerts/receivers`: never their settings). */
export function useReceivers() {
  return useLoad((signal) => api<ReceiverListReply>('/api/v1/alerts/receivers', { signal }), []);
}

type TestState = { sending: true } | { sending: false; reply?: TestReceiverReply; error?: unknown };

/**
 * The receivers, a "Send test" per receiver for operators and admins (`POST
 * /api/v1/alerts/receivers/<name>/test`, its answer shown at the receiver), and the routing tree
 * and inhibition rules (`GET /api/v1/alerts/routes`), read-only.
 */
export function ReceiversView() {
  const { t, me } = useConsole();
  const receivers = useReceivers();
  const routing = useLoad((signal) => api<RoutingReply>('/api/v1/alerts/routes', { signal }), []);
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const mayTest = canTestSend(me.role);

  const send = async (name: string) => {
    setTests((s) => ({ ...s, [name]: { sending: true } }));
    try {
      const reply = await api<TestReceiverReply>(`/api/v1/alerts/receivers/${encodeURIComponent(name)}/test`, {
        method: 'POST',
      });
      setTests((s) => ({ ...s, [name]: { sending: false, reply } }));
    } catch (error) {
      setTests((s) => ({ ...s, [name]: { sending: false, error } }));
    }
  };

  const list = receivers.value?.receivers ?? [];
  return (
    <>
      <PageHeading>{t('receivers.title')}</PageHeading>
      <section aria-labelledby="receivers-list" class="card notify-card">
        <h2 id="receivers-list">{t('receivers.list')}</h2>
        {receivers.error !== undefined && <ErrorNotice error={receivers.error} onRetry={receivers.reload} />}
        {receivers.loading && !receivers.value && (
          <p class="muted" role="status">
            {t('common.loading')}
          </p>
        )}
        {receivers.value && list.length === 0 && <p class="muted">{t('receivers.none')}</p>}
        {list.length > 0 && (
          <table class="data receiver-table">
            <thead>
              <tr>
                <th scope="col">{t('receivers.name')}</th>
                <th scope="col">{t('receivers.type')}</th>
                <th scope="col">{t('receivers.history')}</th>
                {mayTest && <th scope="col">{t('receivers.test')}</th>}
              </tr>
            </thead>
            <tbody>
              {list.map((r) => {
                const test = tests[r.name];
                return (
                  <tr key={r.name} data-receiver={r.name}>
                    <th scope="row">{r.name}</th>
                    <td>
                      <code>{r.type}</code>
                    </td>
                    <td>
                      <Link href={routeHref({ view: 'notifications', filters: { receiver: r.name } })}>
                        {t('receivers.notificationsOf')}
                      </Link>
                    </td>
                    {mayTest && (
                      <td>
                        <button
                          type="button"
                          disabled={test?.sending === true}
                          aria-label={t('receivers.sendTestLabel', { name: r.name })}
                          onClick={() => void send(r.name)}
                        >
                          {t('receivers.sendTest')}
                        </button>{' '}
                        <span role="status" data-test-result={r.name}>
                          {test && <TestResult t={t} state={test} />}
                        </span>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="receivers-routing" class="card notify-card">
        <h2 id="receivers-routing">{t('routes.title')}</h2>
        {routing.error !== undefined &&
          (routing.error instanceof ApiError && routing.error.status === 403 ? (
            <p class="notice">{t('routes.forbidden')}</p>
          ) : (
            <ErrorNotice error={routing.error} onRetry={routing.reload} />
          ))}
        {routing.value && !routing.value.route && <p class="muted">{t('routes.none')}</p>}
        {routing.value?.route && (
          <ul class="route-tree" data-route-tree="">
            <RouteNode route={routing.value.route} path={t('routes.root')} />
          </ul>
        )}
        {routing.value && routing.value.inhibitRules.length > 0 && (
          <>
            <h3>{t('routes.inhibitRules')}</h3>
            <ul class="plain">
              {routing.value.inhibitRules.map((r, i) => (
                <li key={i}>
                  {t('routes.inhibit', {
                    source: r.source.map(matcherText).join(', ') || '*',
                    target: r.target.map(matcherText).join(', ') || '*',
                    equal: r.equal.join(', ') || t('common.none'),
                  })}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </>
  );
}

function TestResult(props: { t: Translate; state: TestState }) {
  const { t, state } = props;
  if (state.sending) return <span class="muted">{t('receivers.sending')}</span>;
  if (state.reply?.ok)
    return (
      <span class="badge badge-notification-delivered">
        {t('receivers.testOk', { status: state.reply.status ?? t('common.none') })}
      </span>
    );
  if (state.reply)
    return (
      <span class="badge badge-notification-failed">
        {t('receivers.testFailed', { error: state.reply.error ?? String(state.reply.status ?? '') })}
      </span>
    );
  return <span class="badge badge-notification-failed">{t('receivers.testError')}</span>;
}

const matcherText = (m: { label: string; op: string; value: string }) => `${m.label}${m.op}"${m.value}"`;

function durationText(t: Translate, ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return t('routes.hours', { n: ms / 3_600_000 });
  if (ms % 60_000 === 0 && ms > 0) return t('routes.minutes', { n: ms / 60_000 });
  return t('routes.seconds', { n: ms / 1000 });
}

function RouteNode(props: { route: RouteView; path: string }) {
  const { t } = useConsole();
  const r = props.route;
  const timings = [
    r.groupWaitMs === undefined ? undefined : t('routes.groupWait', { d: durationText(t, r.groupWaitMs) }),
    r.groupIntervalMs === undefined ? undefined : t('routes.groupInterval', { d: durationText(t, r.groupIntervalMs) }),
    r.repeatIntervalMs === undefined
      ? undefined
      : t('routes.repeatInterval', { d: durationText(t, r.repeatIntervalMs) }),
  ].filter(Boolean);
  return (
    <li data-route={props.path}>
      <div class="route">
        <span class="route-path">{props.path}</span>{' '}
        <span>
          {t('routes.receiver')}: <strong>{r.receiver ?? t('routes.inherited')}</strong>
        </span>{' '}
        <span class="labels">
          {r.matchers.length === 0 ? (
            <span class="muted">{t('routes.matchesAll')}</span>
          ) : (
            r.matchers.map((m, i) => (
              <code key={i} class="label">
                {matcherText(m)}
              </code>
            ))
          )}
        </span>
        {r.groupBy && <span class="muted"> {t('routes.groupBy', { labels: r.groupBy.join(', ') })}</span>}
        {timings.length > 0 && <span class="muted"> {timings.join(' · ')}</span>}
        {r.continue && <span class="badge badge-silenced">{t('routes.continue')}</span>}
        {r.muted && <span class="badge badge-silenced">{t('routes.muted')}</span>}
      </div>
      {r.routes.length > 0 && (
        <ul>
          {r.routes.map((child, i) => (
            <RouteNode key={i} route={child} path={`${props.path}.${i + 1}`} />
          ))}
        </ul>
      )}
    </li>
  );
}
