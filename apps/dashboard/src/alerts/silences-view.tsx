import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api/http';
import type { SilenceListReply, SilenceView } from '../api/types';
import { useConsole } from '../app/context';
import { routeHref } from '../app/routes';
import { ErrorNotice, Link, PageHeading, useLoad, useNow } from '../views/common';
import { canSilence } from './alerts-view';
import { endedAt, endsSoon, minutesLeft, splitSilences } from './alerts';

const matcherText = (m: SilenceView['matchers'][number]) => `${m.label}${m.op}"${m.value}"`;

/**
 * Silences (`GET /api/v1/alerts/silences`), active and pending first, then expired; read again on
 * every event of the live API's `silences` topic. Operators and admins expire one
 * (`DELETE /api/v1/alerts/silences/<id>`).
 */
export function SilencesView() {
  const { t, fmt, live, me } = useConsole();
  const now = useNow();
  const list = useLoad(
    (signal) => api<SilenceListReply>(`/api/v1/alerts/silences?${query({ limit: 1000 })}`, { signal }),
    [],
  );
  const [failure, setFailure] = useState<unknown>();
  const [expiring, setExpiring] = useState<string | undefined>();
  const reload = list.reload;
  useEffect(
    () =>
      live.subscribeEvents(
        'silences',
        () => reload(),
        () => reload(),
      ),
    [live],
  );

  const expire = async (s: SilenceView) => {
    setFailure(undefined);
    setExpiring(s.id);
    try {
      await api<SilenceView>(`/api/v1/alerts/silences/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
      reload();
    } catch (e) {
      setFailure(e);
    } finally {
      setExpiring(undefined);
    }
  };

  const { current, expired } = splitSilences(list.value?.silences ?? []);
  const mayExpire = canSilence(me.role);
  return (
    <>
      <PageHeading>{t('silences.title')}</PageHeading>
      {list.error !== undefined && <ErrorNotice error={list.error} onRetry={reload} />}
      {failure !== undefined && <ErrorNotice error={failure} />}
      <p class="muted">
        <Link href={routeHref({ view: 'alerts', filters: { q: '' } })}>{t('silences.hint')}</Link>
      </p>
      {list.loading && !list.value && (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {list.value && (
        <>
          <section aria-labelledby="silences-current" class="card">
            <h2 id="silences-current">{t('silences.current', { count: fmt.number(current.length) })}</h2>
            {current.length === 0 ? (
              <p class="muted">{t('silences.noneCurrent')}</p>
            ) : (
              <table class="data silence-table" data-silences="current">
                <thead>
                  <tr>
                    <th scope="col">{t('silences.matchers')}</th>
                    <th scope="col">{t('silences.createdBy')}</th>
                    <th scope="col">{t('silences.comment')}</th>
                    <th scope="col">{t('silences.starts')}</th>
                    <th scope="col">{t('silences.ends')}</th>
                    {mayExpire && <th scope="col">{t('silences.actions')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {current.map((s) => (
                    <tr key={s.id} data-silence={s.id}>
                      <th scope="row">
                        <Matchers silence={s} />
                      </th>
                      <td>{s.createdBy}</td>
                      <td>{s.comment}</td>
                      <td>
                        <time dateTime={s.startsAt} title={fmt.dateTime(s.startsAt)}>
                          {fmt.relative(s.startsAt, now)}
                        </time>
                        {s.state === 'pending' && <span class="badge badge-pending">{t('silences.notStarted')}</span>}
                      </td>
                      <td>
                        <time dateTime={s.endsAt} title={fmt.dateTime(s.endsAt)}>
                          {fmt.relative(s.endsAt, now)}
                        </time>
                        {endsSoon(s, now) && (
                          <span class="badge badge-soon" data-expires-soon="" title={t('silences.expiresSoon')}>
                            {t('silences.endsIn', { minutes: fmt.number(minutesLeft(s, now)) })}
                          </span>
                        )}
                      </td>
                      {mayExpire && (
                        <td>
                          <button
                            type="button"
                            disabled={expiring === s.id}
                            aria-label={t('silences.expireLabel', {
                              user: s.createdBy,
                              relative: fmt.relative(s.startsAt, now),
                            })}
                            onClick={() => void expire(s)}
                          >
                            {t('silences.expire')}
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="silences-expired" class="card">
            <h2 id="silences-expired">{t('silences.expired', { count: fmt.number(expired.length) })}</h2>
            {expired.length === 0 ? (
              <p class="muted">{t('silences.noneExpired')}</p>
            ) : (
              <table class="data silence-table" data-silences="expired">
                <thead>
                  <tr>
                    <th scope="col">{t('silences.matchers')}</th>
                    <th scope="col">{t('silences.createdBy')}</th>
                    <th scope="col">{t('silences.comment')}</th>
                    <th scope="col">{t('silences.starts')}</th>
                    <th scope="col">{t('silences.ended')}</th>
                  </tr>
                </thead>
                <tbody>
                  {expired.map((s) => (
                    <tr key={s.id} data-silence={s.id}>
                      <th scope="row">
                        <Matchers silence={s} />
                      </th>
                      <td>{s.createdBy}</td>
                      <td>{s.comment}</td>
                      <td>
                        <time dateTime={s.startsAt} title={fmt.dateTime(s.startsAt)}>
                          {fmt.relative(s.startsAt, now)}
                        </time>
                      </td>
                      <td>
                        <time dateTime={endedAt(s)} title={fmt.dateTime(endedAt(s))}>
                          {fmt.relative(endedAt(s), now)}
                        </time>
                        {s.expiredBy && <span class="muted"> {t('silences.expiredBy', { user: s.expiredBy })}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </>
  );
}

function Matchers(props: { silence: SilenceView }) {
  const { t } = useConsole();
  const s = props.silence;
  return (
    <>
      <span class="labels">
        {s.matchers.map((m, i) => (
          <code key={i} class="label">
            {matcherText(m)}
          </code>
        ))}
      </span>
      {s.invalid && <p class="field-error">{t('silences.invalid', { reason: s.invalid })}</p>}
    </>
  );
}
