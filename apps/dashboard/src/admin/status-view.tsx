import { useEffect } from 'preact/hooks';
import { api, ApiError } from '../api/http';
import type { PlatformStatus } from '../api/types';
import { useConsole } from '../app/context';
import type { MessageKey } from '../i18n/messages';
import { ForbiddenView } from '../users/users';
import { ErrorNotice, PageHeading, useLoad, useNow } from '../views/common';
import { sortLag, STATUS_REFRESH_MS } from './status';

type ServiceState = PlatformStatus['services'][number]['state'];
const STATE_KEY: Record<ServiceState, MessageKey> = {
  up: 'platform.up',
  degraded: 'platform.stateDegraded',
  down: 'platform.down',
};
const STATE_BADGE: Record<ServiceState, string> = {
  up: 'badge-online',
  degraded: 'badge-pending',
  down: 'badge-offline',
};
const OVERALL_KEY: Record<PlatformStatus['status'], MessageKey> = {
  ok: 'platform.ok',
  degraded: 'platform.degraded',
  error: 'platform.error',
};

/** The platform's own status (`GET /api/v1/platform/status`, admins), read again every 10 s. */
export function StatusView() {
  const { t, fmt } = useConsole();
  const now = useNow(5000);
  const status = useLoad((signal) => api<PlatformStatus>('/api/v1/platform/status', { signal }), []);
  useEffect(() => {
    const timer = setInterval(status.reload, STATUS_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  if (status.error instanceof ApiError && status.error.status === 403) return <ForbiddenView />;
  const s = status.value;
  return (
    <>
      <PageHeading>{t('platform.title')}</PageHeading>
      {status.error !== undefined && <ErrorNotice error={status.error} onRetry={status.reload} />}
      {!s && status.loading && (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {s && (
        <>
          <p class={`notice ${s.status === 'ok' ? '' : 'error'}`} data-platform-status={s.status}>
            {t('platform.overall', { state: t(OVERALL_KEY[s.status]) })}
          </p>
          <p class="muted">
            {t('platform.checkedAt', {
              time: fmt.time(s.at),
              seconds: fmt.number(STATUS_REFRESH_MS / 1000),
            })}{' '}
            <button type="button" onClick={status.reload} disabled={status.loading}>
              {t('platform.refresh')}
            </button>
          </p>
          <section aria-labelledby="platform-services">
            <h2 id="platform-services">{t('platform.services')}</h2>
            <div class="card admin-scroll" tabIndex={0} aria-labelledby="platform-services">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">{t('platform.service')}</th>
                    <th scope="col">{t('platform.state')}</th>
                    <th scope="col">{t('platform.replicas')}</th>
                  </tr>
                </thead>
                <tbody>
                  {s.services.map((svc) => (
                    <tr key={svc.service} data-service={svc.service} data-state={svc.state}>
                      <th scope="row">{svc.service}</th>
                      <td>
                        <span class={`badge ${STATE_BADGE[svc.state]}`}>{t(STATE_KEY[svc.state])}</span>
                      </td>
                      <td>
                        {svc.replicas.length === 0 ? (
                          <span class="muted">
                            {svc.error ? t('platform.noReplicaBecause', { error: svc.error }) : t('platform.noReplica')}
                          </span>
                        ) : (
                          <ul class="replicas">
                            {svc.replicas.map((r, i) => (
                              <li key={`${r.instance}-${i}`}>
                                {t('platform.replica', {
                                  instance: r.instance,
                                  relative: fmt.relative(r.startedAt, now),
                                })}{' '}
                                <span class={`badge ${r.status === 'ok' ? 'badge-online' : 'badge-offline'}`}>
                                  {t('platform.replicaStatus', { status: r.status })}
                                </span>
                                <span class="labels" aria-label={t('platform.checks')}>
                                  {Object.entries(r.checks).map(([name, c]) => (
                                    <code key={name} class="label" title={c.error}>
                                      {t('platform.check', {
                                        name,
                                        state: t(c.status === 'up' ? 'platform.up' : 'platform.down'),
                                        ms: fmt.number(c.latencyMs),
                                      })}
                                    </code>
                                  ))}
                                </span>
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section aria-labelledby="platform-lag">
            <h2 id="platform-lag">{t('platform.busLag')}</h2>
            {s.busLag.length === 0 ? (
              <p class="muted">{t('platform.noReaders')}</p>
            ) : (
              <div class="card admin-scroll" tabIndex={0} aria-labelledby="platform-lag">
                <table class="data" data-view="bus-lag">
                  <caption>{t('platform.busLagCaption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('platform.service')}</th>
                      <th scope="col">{t('platform.reader')}</th>
                      <th scope="col">{t('platform.stream')}</th>
                      <th scope="col">{t('platform.kind')}</th>
                      <th scope="col">{t('platform.pending')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {sortLag(s.busLag).map((l) => (
                      <tr key={`${l.service}-${l.stream}-${l.name}`} data-reader={l.name}>
                        <td>{l.service}</td>
                        <th scope="row">
                          <code>{l.name}</code>
                        </th>
                        <td>
                          <code>{l.stream}</code>
                        </td>
                        <td>{l.kind}</td>
                        <td>
                          {l.pending === null ? t('platform.unknown', { error: l.error ?? '' }) : fmt.number(l.pending)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section aria-labelledby="platform-dlq">
            <h2 id="platform-dlq">{t('platform.dlq')}</h2>
            {s.dlq === null ? (
              <p class="notice error">{t('platform.dlqUnavailable', { error: s.dlqError ?? '' })}</p>
            ) : (
              <div class="card">
                <table class="data" data-view="dlq">
                  <caption>{t('platform.dlqCaption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('platform.service')}</th>
                      <th scope="col">{t('platform.depth')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.dlq.map((d) => (
                      <tr key={d.service} data-dlq={d.service}>
                        <th scope="row">{d.service}</th>
                        <td>{fmt.number(d.depth)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
