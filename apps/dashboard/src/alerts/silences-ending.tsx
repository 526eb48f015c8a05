import { useEffect } from 'preact/hooks';
import { api, query } from '../api/http';
import type { AlertView, SilenceListReply } from '../api/types';
import { useConsole } from '../app/context';
import { routeHref } from '../app/routes';
import { Link, useLoad } from '../views/common';
import { minutesLeft, silencesEndingSoon } from './alerts';

/** Silences the notice names one by one (the rest are counted). */
const NAMED = 5;

/**
 * A notice on the Alerts view when a silence that mutes a shown alert ends within the hour: those
 * alerts notify again then. The silences are read once (`GET /api/v1/alerts/silences`) and again on
 * every event of the live API's `silences` topic.
 */
export function SilencesEndingNotice(props: { alerts: readonly AlertView[]; now: number }) {
  const { t, fmt, live } = useConsole();
  const list = useLoad(
    (signal) => api<SilenceListReply>(`/api/v1/alerts/silences?${query({ limit: 1000 })}`, { signal }),
    [],
  );
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
  const ending = silencesEndingSoon(props.alerts, list.value?.silences ?? [], props.now);
  if (ending.length === 0) return null;
  return (
    <div class="notice warning" role="status" data-silences-ending={ending.length}>
      <ul>
        {ending.slice(0, NAMED).map(({ silence, alerts }) => (
          <li key={silence.id} data-ending-silence={silence.id}>
            {t('alerts.silenceEnds', {
              count: fmt.number(alerts.length),
              minutes: fmt.number(minutesLeft(silence, props.now)),
              comment: silence.comment,
            })}
          </li>
        ))}
      </ul>
      {ending.length > NAMED && <p>{t('alerts.silencesEndMore', { count: fmt.number(ending.length - NAMED) })}</p>}
      <Link href={routeHref({ view: 'silences' })}>{t('alerts.seeSilences')}</Link>
    </div>
  );
}
