import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api/http';
import type {
  LabelMatcher,
  MaintenanceWindowListReply,
  MaintenanceWindowView,
  PreviewMaintenanceWindowReply,
} from '../api/types';
import { useConsole } from '../app/context';
import type { MessageKey } from '../i18n/messages';
import { ErrorNotice, errorText, Labels, Link, PageHeading, useLoad, useNow } from '../views/common';
import { MATCH_OPS, type MatchOp, toLocalInput } from '../alerts/alerts';
import { canSilence } from '../alerts/alerts-view';
import {
  formMatchers,
  fromLocalInput,
  matcherText,
  splitWindows,
  stoppedAt,
  type WindowProblem,
  windowProblems,
} from './maintenance';

const OP_KEY: Record<MatchOp, MessageKey> = {
  '=': 'silence.op.eq',
  '!=': 'silence.op.ne',
  '=~': 'silence.op.re',
  '!~': 'silence.op.nre',
};
const STATE_KEY: Record<MaintenanceWindowView['state'], MessageKey> = {
  active: 'mw.state.active',
  scheduled: 'mw.state.scheduled',
  ended: 'mw.state.ended',
  cancelled: 'mw.state.cancelled',
};
/** Nodes the preview lists by name (it counts them all). */
const PREVIEW_ROWS = 20;
/** The preview is asked for once the matchers have not changed for this long. */
const PREVIEW_DEBOUNCE_MS = 400;

/**
 * Maintenance windows (`GET /api/v1/maintenance-windows`): active and scheduled ones, then past
 * ones, with their matchers, times (in the reader's language) and how many nodes they select.
 * Operators and admins schedule one (a form with a preview of the nodes it selects now, from
 * `POST /api/v1/maintenance-windows/preview`) and cancel one (`DELETE …/<id>`).
 */
export function MaintenanceView() {
  const { t, fmt, me, fleet, live } = useConsole();
  const now = useNow();
  const list = useLoad(
    (signal) => api<MaintenanceWindowListReply>(`/api/v1/maintenance-windows?${query({ limit: 500 })}`, { signal }),
    [],
  );
  const [failure, setFailure] = useState<unknown>();
  const [cancelling, setCancelling] = useState<string | undefined>();
  const [created, setCreated] = useState<MaintenanceWindowView | undefined>();
  const mayChange = canSilence(me.role);
  const reload = list.reload;
  /** A window changes which nodes are in maintenance: the fleet the console holds is read again. */
  const changed = () => {
    reload();
    if (fleet.state.loadedAt !== undefined) void fleet.load();
  };

  // Windows scheduled or cancelled elsewhere (another operator, the API).
  useEffect(
    () =>
      live.subscribeEvents(
        'maintenance',
        () => reload(),
        () => reload(),
      ),
    [live],
  );

  const cancel = async (w: MaintenanceWindowView) => {
    setFailure(undefined);
    setCancelling(w.id);
    try {
      await api<MaintenanceWindowView>(`/api/v1/maintenance-windows/${encodeURIComponent(w.id)}`, {
        method: 'DELETE',
      });
      changed();
    } catch (e) {
      setFailure(e);
    } finally {
      setCancelling(undefined);
    }
  };

  const { open, past } = splitWindows(list.value?.windows ?? []);
  const When = (p: { at: string }) => (
    <time dateTime={p.at} title={fmt.relative(p.at, now)}>
      {fmt.dateTime(p.at)}
    </time>
  );
  return (
    <>
      <PageHeading>{t('mw.title')}</PageHeading>
      <p class="muted">{t('mw.intro')}</p>
      {list.error !== undefined && <ErrorNotice error={list.error} onRetry={reload} />}
      {failure !== undefined && <ErrorNotice error={failure} />}
      {created && (
        <p class="notice" role="status">
          {t('mw.created', { count: fmt.number(created.nodes) })}
        </p>
      )}
      {mayChange && (
        <WindowForm
          onCreated={(w) => {
            setCreated(w);
            changed();
          }}
        />
      )}
      {list.loading && !list.value && (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {list.value && (
        <>
          <section aria-labelledby="mw-open" class="card">
            <h2 id="mw-open">{t('mw.open', { count: fmt.number(open.length) })}</h2>
            {open.length === 0 ? (
              <p class="muted">{t('mw.noneOpen')}</p>
            ) : (
              <table class="data" data-windows="open">
                <thead>
                  <tr>
                    <th scope="col">{t('mw.col.reason')}</th>
                    <th scope="col">{t('mw.col.matchers')}</th>
                    <th scope="col">{t('mw.col.state')}</th>
                    <th scope="col">{t('mw.col.starts')}</th>
                    <th scope="col">{t('mw.col.ends')}</th>
                    <th scope="col">{t('mw.col.nodes')}</th>
                    <th scope="col">{t('mw.col.createdBy')}</th>
                    {mayChange && <th scope="col">{t('mw.col.actions')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {open.map((w) => (
                    <tr key={w.id} data-window={w.id}>
                      <th scope="row">{w.reason}</th>
                      <td>
                        <MatcherList matchers={w.matchers} />
                      </td>
                      <td>
                        <span class={`badge badge-window-${w.state}`}>{t(STATE_KEY[w.state])}</span>
                      </td>
                      <td>
                        <When at={w.startsAt} />
                      </td>
                      <td>
                        <When at={w.endsAt} />
                      </td>
                      <td>{fmt.number(w.nodes)}</td>
                      <td>{w.createdBy}</td>
                      {mayChange && (
                        <td>
                          <button
                            type="button"
                            disabled={cancelling === w.id}
                            aria-label={t('mw.cancelLabel', { reason: w.reason })}
                            onClick={() => void cancel(w)}
                          >
                            {t('mw.cancel')}
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="mw-past" class="card">
            <h2 id="mw-past">{t('mw.past', { count: fmt.number(past.length) })}</h2>
            {past.length === 0 ? (
              <p class="muted">{t('mw.nonePast')}</p>
            ) : (
              <table class="data" data-windows="past">
                <thead>
                  <tr>
                    <th scope="col">{t('mw.col.reason')}</th>
                    <th scope="col">{t('mw.col.matchers')}</th>
                    <th scope="col">{t('mw.col.state')}</th>
                    <th scope="col">{t('mw.col.starts')}</th>
                    <th scope="col">{t('mw.col.stopped')}</th>
                    <th scope="col">{t('mw.col.nodes')}</th>
                    <th scope="col">{t('mw.col.createdBy')}</th>
                  </tr>
                </thead>
                <tbody>
                  {past.map((w) => (
                    <tr key={w.id} data-window={w.id}>
                      <th scope="row">{w.reason}</th>
                      <td>
                        <MatcherList matchers={w.matchers} />
                      </td>
                      <td>
                        <span class={`badge badge-window-${w.state}`}>{t(STATE_KEY[w.state])}</span>
                      </td>
                      <td>
                        <When at={w.startsAt} />
                      </td>
                      <td>
                        <When at={stoppedAt(w)} />
                        {w.cancelledBy && <span class="muted"> {t('mw.cancelledBy', { user: w.cancelledBy })}</span>}
                      </td>
                      <td>{fmt.number(w.nodes)}</td>
                      <td>{w.createdBy}</td>
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

function MatcherList(props: { matchers: readonly LabelMatcher[] }) {
  return (
    <span class="labels">
      {props.matchers.map((m, i) => (
        <code key={i} class="label">
          {matcherText(m)}
        </code>
      ))}
    </span>
  );
}

interface Row extends LabelMatcher {
  key: number;
}

/** The nodes a window with these matchers would select now, asked of the gateway (RE2, as the window will). */
function usePreview(matchers: LabelMatcher[]) {
  const [state, setState] = useState<{ reply?: PreviewMaintenanceWindowReply; error?: unknown }>({});
  const key = JSON.stringify(matchers);
  useEffect(() => {
    if (matchers.length === 0) {
      setState({});
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => {
      api<PreviewMaintenanceWindowReply>('/api/v1/maintenance-windows/preview', {
        method: 'POST',
        body: { matchers, limit: PREVIEW_ROWS },
        signal: abort.signal,
      }).then(
        (reply) => !abort.signal.aborted && setState({ reply }),
        (error: unknown) => !abort.signal.aborted && setState({ error }),
      );
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [key]);
  return state;
}

function WindowForm(props: { onCreated(w: MaintenanceWindowView): void }) {
  const { t, fmt } = useConsole();
  const nextKey = useRef(1);
  const [rows, setRows] = useState<Row[]>([{ key: 0, label: '', op: '=', value: '' }]);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState(() => toLocalInput(Date.now() + 2 * 3_600_000));
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<WindowProblem[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const matchers = formMatchers(rows);
  const preview = usePreview(matchers);

  const update = (key: number, patch: Partial<LabelMatcher>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const problemsOf = (field: string) => problems.filter((p) => p.field === field);
  const errorId = (field: string) => `mw-error-${field.replace('.', '-')}`;
  const describedBy = (field: string, ...more: string[]) =>
    [...more, ...(problemsOf(field).length > 0 ? [errorId(field)] : [])].join(' ') || undefined;
  const FieldErrors = (p: { field: string }) => {
    const list = problemsOf(p.field);
    if (list.length === 0) return null;
    return (
      <p class="field-error" id={errorId(p.field)}>
        {list.map((x) => x.message).join('; ')}
      </p>
    );
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    const startsAt = start === '' ? Date.now() : fromLocalInput(start);
    const endsAt = fromLocalInput(end);
    if (!Number.isFinite(endsAt) || endsAt <= Math.max(Date.now(), startsAt)) {
      setProblems([{ field: 'endsAt', message: t('mw.badEnd') }]);
      document.getElementById('mw-end')?.focus();
      return;
    }
    setProblems([]);
    setBusy(true);
    try {
      const w = await api<MaintenanceWindowView>('/api/v1/maintenance-windows', {
        method: 'POST',
        body: {
          matchers,
          ...(start === '' || !Number.isFinite(startsAt) ? {} : { startsAt: new Date(startsAt).toISOString() }),
          endsAt: new Date(endsAt).toISOString(),
          reason,
        },
      });
      setReason('');
      props.onCreated(w);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        const found = windowProblems(error.detail, error.errors);
        setProblems(found);
        const first = found[0]?.field;
        const target =
          first === 'reason'
            ? 'mw-reason'
            : first === 'endsAt'
              ? 'mw-end'
              : first === 'startsAt'
                ? 'mw-start'
                : first?.startsWith('matchers.')
                  ? `mw-value-${first.slice('matchers.'.length)}`
                  : first === 'matchers'
                    ? 'mw-label-0'
                    : undefined;
        if (target) document.getElementById(target)?.focus();
      } else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const formProblems = problemsOf('form');
  const reply = preview.reply;
  return (
    <section aria-labelledby="mw-new" class="card">
      <h2 id="mw-new">{t('mw.new')}</h2>
      <form class="window-form" onSubmit={(e) => void submit(e)} noValidate>
        {(failure !== undefined || formProblems.length > 0) && (
          <div class="notice error" role="alert">
            {failure !== undefined && <p>{errorText(t, failure)}</p>}
            {formProblems.map((p, i) => (
              <p key={i}>{t('mw.refused', { detail: p.message })}</p>
            ))}
          </div>
        )}
        <fieldset class="matchers" aria-describedby={describedBy('matchers')}>
          <legend>{t('mw.matchers')}</legend>
          <FieldErrors field="matchers" />
          {rows.map((r, i) => (
            <div key={r.key} class="matcher" role="group" aria-label={t('mw.matcher', { n: i + 1 })}>
              <div class="field">
                <label for={`mw-label-${i}`}>{t('silence.label')}</label>
                <input
                  id={`mw-label-${i}`}
                  value={r.label}
                  spellcheck={false}
                  aria-invalid={problemsOf(`matchers.${i}`).length > 0}
                  aria-describedby={describedBy(`matchers.${i}`)}
                  onInput={(e) => update(r.key, { label: e.currentTarget.value })}
                />
              </div>
              <div class="field">
                <label for={`mw-op-${i}`}>{t('silence.op')}</label>
                <select
                  id={`mw-op-${i}`}
                  value={r.op}
                  onChange={(e) => update(r.key, { op: MATCH_OPS.find((o) => o === e.currentTarget.value) ?? '=' })}
                >
                  {MATCH_OPS.map((o) => (
                    <option key={o} value={o}>
                      {t(OP_KEY[o])}
                    </option>
                  ))}
                </select>
              </div>
              <div class="field">
                <label for={`mw-value-${i}`}>{t('silence.value')}</label>
                <input
                  id={`mw-value-${i}`}
                  value={r.value}
                  spellcheck={false}
                  aria-invalid={problemsOf(`matchers.${i}`).length > 0}
                  aria-describedby={describedBy(`matchers.${i}`)}
                  onInput={(e) => update(r.key, { value: e.currentTarget.value })}
                />
              </div>
              <button
                type="button"
                class="remove"
                aria-label={t('mw.removeMatcher', { n: i + 1 })}
                onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
              >
                <span aria-hidden="true">×</span>
              </button>
              <FieldErrors field={`matchers.${i}`} />
            </div>
          ))}
          <button
            type="button"
            onClick={() => setRows((rs) => [...rs, { key: nextKey.current++, label: '', op: '=', value: '' }])}
          >
            {t('mw.addMatcher')}
          </button>
        </fieldset>
        <div class="field">
          <label for="mw-start">{t('mw.startsAt')}</label>
          <input
            id="mw-start"
            type="datetime-local"
            value={start}
            aria-invalid={problemsOf('startsAt').length > 0}
            aria-describedby={describedBy('startsAt', 'mw-start-hint')}
            onInput={(e) => setStart(e.currentTarget.value)}
          />
          <p class="muted" id="mw-start-hint">
            {t('mw.startsHint')}
          </p>
          <FieldErrors field="startsAt" />
        </div>
        <div class="field">
          <label for="mw-end">{t('mw.endsAt')}</label>
          <input
            id="mw-end"
            type="datetime-local"
            value={end}
            aria-invalid={problemsOf('endsAt').length > 0}
            aria-describedby={describedBy('endsAt')}
            onInput={(e) => setEnd(e.currentTarget.value)}
          />
          <FieldErrors field="endsAt" />
        </div>
        <div class="field">
          <label for="mw-reason">{t('mw.reason')}</label>
          <textarea
            id="mw-reason"
            rows={2}
            value={reason}
            placeholder={t('mw.reasonHint')}
            aria-invalid={problemsOf('reason').length > 0}
            aria-describedby={describedBy('reason')}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <FieldErrors field="reason" />
        </div>
        <section class="preview" aria-labelledby="mw-preview-title" aria-live="polite">
          {matchers.length === 0 ? (
            <p class="muted" id="mw-preview-title">
              {t('mw.previewEmpty')}
            </p>
          ) : preview.error !== undefined ? (
            <p class="field-error" id="mw-preview-title">
              {t('mw.previewFailed', {
                detail: preview.error instanceof ApiError ? preview.error.detail : errorText(t, preview.error),
              })}
            </p>
          ) : (
            <>
              <h3 id="mw-preview-title">{t('mw.preview', { count: reply ? fmt.number(reply.total) : '…' })}</h3>
              {reply && reply.total === 0 && <p class="muted">{t('mw.previewNone')}</p>}
              {reply && reply.nodes.length > 0 && (
                <ul data-preview="nodes">
                  {reply.nodes.map((n) => (
                    <li key={n.id}>
                      <Link href={`/nodes/${encodeURIComponent(n.id)}`}>{n.hostname}</Link> <code>{n.id}</code>{' '}
                      <Labels labels={n.labels} />
                    </li>
                  ))}
                  {reply.total > reply.nodes.length && (
                    <li class="muted">
                      {t('mw.previewMore', { count: fmt.number(reply.total - reply.nodes.length) })}
                    </li>
                  )}
                </ul>
              )}
            </>
          )}
        </section>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t('mw.creating') : t('mw.create')}
          </button>
        </div>
      </form>
    </section>
  );
}
