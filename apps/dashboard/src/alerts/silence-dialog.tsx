import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api/http';
import type { AlertListReply, AlertView, LabelMatcher, SilenceView } from '../api/types';
import { useConsole } from '../app/context';
import type { NodeRow } from '../fleet/fleet';
import type { MessageKey } from '../i18n/messages';
import { errorText, Labels, useNow } from '../views/common';
import {
  type AlertMap,
  alertName,
  DURATION_PRESETS,
  type DurationPreset,
  type FieldProblem,
  fieldProblems,
  MATCH_OPS,
  type MatchOp,
  matchersOf,
  presetMs,
  previewSilence,
  STATE_KEY,
  toLocalInput,
} from './alerts';

const OP_KEY: Record<MatchOp, MessageKey> = {
  '=': 'silence.op.eq',
  '!=': 'silence.op.ne',
  '=~': 'silence.op.re',
  '!~': 'silence.op.nre',
};

/** How many matched alerts and nodes the preview lists (the counts are always whole). */
const PREVIEW_ROWS = 50;

interface Row extends LabelMatcher {
  key: number;
}

function useFleetRows(): NodeRow[] {
  const { fleet } = useConsole();
  const [version, setVersion] = useState(fleet.state.version);
  useEffect(() => fleet.subscribe(() => setVersion(fleet.state.version)), [fleet]);
  return useMemo(() => [...fleet.state.rows.values()], [fleet, version]);
}

/**
 * A modal dialog (the page behind it is inert: the focus stays inside, Escape closes it) to silence
 * an alert: matchers prefilled from its labels, editable; a duration or an end time; a comment; a
 * preview of the alerts and nodes the matchers select, computed in the browser. The silence is
 * created with `POST /api/v1/alerts/silences`; the problems the API names are shown by field.
 */
export function SilenceDialog(props: {
  alert: AlertView;
  alerts: AlertMap;
  onClose(): void;
  onCreated(silence: SilenceView): void;
}) {
  const { t, fmt } = useConsole();
  const now = useNow(30_000);
  const dialog = useRef<HTMLDialogElement>(null);
  const nextKey = useRef(0);
  const [rows, setRows] = useState<Row[]>(() =>
    matchersOf(props.alert.labels).map((m) => ({ ...m, key: nextKey.current++ })),
  );
  const [preset, setPreset] = useState<DurationPreset | undefined>('2h');
  const [end, setEnd] = useState(() => toLocalInput(Date.now() + presetMs('2h')));
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [resolved, setResolved] = useState<AlertView[]>([]);
  const nodes = useFleetRows();

  // Modal, with the focus back where it was once closed.
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
      opener?.focus();
    };
  }, []);

  // The recently resolved alerts, for the preview (the list shows the current ones only).
  useEffect(() => {
    const abort = new AbortController();
    api<AlertListReply>(`/api/v1/alerts?${query({ state: 'resolved', limit: 1000 })}`, { signal: abort.signal }).then(
      (r) => setResolved(r.alerts),
      () => undefined,
    );
    return () => abort.abort();
  }, []);

  const matchers: LabelMatcher[] = rows.map(({ label, op, value }) => ({ label, op, value }));
  const preview = useMemo(() => {
    const current = [...props.alerts.values()];
    const known = new Set(current.map((a) => a.fingerprint));
    return previewSilence(
      matchers.filter((m) => m.label !== ''),
      [...current, ...resolved.filter((a) => !known.has(a.fingerprint))],
      nodes,
    );
  }, [JSON.stringify(matchers), props.alerts, resolved, nodes]);

  const update = (key: number, patch: Partial<LabelMatcher>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const problemsOf = (field: string) => problems.filter((p) => p.field === field);
  const endMs = Date.parse(end);

  const submit = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    // A preset counts from now (the end time field shows it to the minute only).
    const endsAt = preset ? Date.now() + presetMs(preset) : endMs;
    if (!Number.isFinite(endsAt) || endsAt <= Date.now()) {
      setProblems([{ field: 'endsAt', message: t('silence.badEnd') }]);
      document.getElementById('silence-end')?.focus();
      return;
    }
    setProblems([]);
    setBusy(true);
    try {
      const silence = await api<SilenceView>('/api/v1/alerts/silences', {
        method: 'POST',
        body: { matchers, endsAt: new Date(endsAt).toISOString(), comment },
      });
      props.onCreated(silence);
    } catch (error) {
      setBusy(false);
      if (error instanceof ApiError && error.status === 400) {
        const found = fieldProblems(error.detail, error.errors);
        setProblems(found);
        const first = found[0]?.field;
        const target =
          first === 'comment'
            ? 'silence-comment'
            : first === 'endsAt'
              ? 'silence-end'
              : first?.startsWith('matchers.')
                ? `silence-value-${first.slice('matchers.'.length)}`
                : undefined;
        if (target) document.getElementById(target)?.focus();
      } else setFailure(error);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    // The page behind is inert; Tab also wraps within the dialog instead of leaving for the browser's own controls.
    if (e.key !== 'Tab' || !dialog.current) return;
    const focusable = [
      ...dialog.current.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], [tabindex="0"]'),
    ].filter((el) => !el.hasAttribute('disabled'));
    if (focusable.length === 0) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  const formProblems = problemsOf('form');
  const errorId = (field: string) => `silence-error-${field.replace('.', '-')}`;
  const FieldErrors = (p: { field: string }) => {
    const list = problemsOf(p.field);
    if (list.length === 0) return null;
    return (
      <p class="field-error" id={errorId(p.field)}>
        {list.map((x) => x.message).join('; ')}
      </p>
    );
  };
  const describedBy = (field: string) => (problemsOf(field).length > 0 ? errorId(field) : undefined);

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="silence-title"
      aria-modal="true"
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
      onKeyDown={onKeyDown}
    >
      <form class="silence-form" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="silence-title">{t('silence.title')}</h2>
        <p class="muted">
          {alertName(props.alert)} <Labels labels={props.alert.labels} />
        </p>
        {(failure !== undefined || formProblems.length > 0) && (
          <div class="notice error" role="alert">
            {failure !== undefined && <p>{errorText(t, failure)}</p>}
            {formProblems.map((p, i) => (
              <p key={i}>{t('silence.refused', { detail: p.message })}</p>
            ))}
          </div>
        )}
        <fieldset class="matchers" aria-describedby={describedBy('matchers')}>
          <legend>{t('silence.matchers')}</legend>
          <FieldErrors field="matchers" />
          {rows.map((r, i) => (
            <div key={r.key} class="matcher" role="group" aria-label={t('silence.matcher', { n: i + 1 })}>
              <div class="field">
                <label for={`silence-label-${i}`}>{t('silence.label')}</label>
                <input
                  id={`silence-label-${i}`}
                  value={r.label}
                  spellcheck={false}
                  aria-invalid={problemsOf(`matchers.${i}`).length > 0}
                  aria-describedby={describedBy(`matchers.${i}`)}
                  onInput={(e) => update(r.key, { label: e.currentTarget.value })}
                />
              </div>
              <div class="field">
                <label for={`silence-op-${i}`}>{t('silence.op')}</label>
                <select
                  id={`silence-op-${i}`}
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
                <label for={`silence-value-${i}`}>{t('silence.value')}</label>
                <input
                  id={`silence-value-${i}`}
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
                aria-label={t('silence.removeMatcher', { n: i + 1 })}
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
            {t('silence.addMatcher')}
          </button>
        </fieldset>
        <fieldset class="ends">
          <legend>{t('silence.duration')}</legend>
          <div class="presets">
            {DURATION_PRESETS.map((p) => (
              <button
                key={p}
                type="button"
                aria-pressed={preset === p}
                onClick={() => {
                  setPreset(p);
                  setEnd(toLocalInput(Date.now() + presetMs(p)));
                }}
              >
                {fmt.duration(presetMs(p) / 1000)}
              </button>
            ))}
          </div>
          <div class="field">
            <label for="silence-end">{t('silence.endsAt')}</label>
            <input
              id="silence-end"
              type="datetime-local"
              value={end}
              aria-invalid={problemsOf('endsAt').length > 0}
              aria-describedby={['silence-ends-in', describedBy('endsAt')].filter(Boolean).join(' ')}
              onInput={(e) => {
                setPreset(undefined);
                setEnd(e.currentTarget.value);
              }}
            />
            <p class="muted" id="silence-ends-in">
              {Number.isFinite(endMs) ? t('silence.endsIn', { relative: fmt.relative(endMs, now) }) : t('common.none')}
            </p>
            <FieldErrors field="endsAt" />
          </div>
        </fieldset>
        <div class="field">
          <label for="silence-comment">{t('silence.comment')}</label>
          <textarea
            id="silence-comment"
            rows={2}
            value={comment}
            placeholder={t('silence.commentHint')}
            aria-invalid={problemsOf('comment').length > 0}
            aria-describedby={describedBy('comment')}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
          <FieldErrors field="comment" />
        </div>
        <section class="preview" aria-labelledby="silence-preview-title">
          <h3 id="silence-preview-title">{t('silence.preview')}</h3>
          <p class="muted">{t('silence.previewNote')}</p>
          {preview.unreadable.map((i) => (
            <p key={i} class="field-error">
              {t('silence.unreadable', { n: i + 1 })}
            </p>
          ))}
          <div class="preview-lists">
            <div>
              <h4 id="preview-alerts">{t('silence.previewAlerts', { count: fmt.number(preview.alerts.length) })}</h4>
              {preview.alerts.length === 0 ? (
                <p class="muted">{t('silence.previewNoAlerts')}</p>
              ) : (
                <ul aria-labelledby="preview-alerts" data-preview="alerts">
                  {preview.alerts.slice(0, PREVIEW_ROWS).map((a) => (
                    <li key={a.fingerprint}>
                      {alertName(a)} <code>{a.labels.node ?? t('common.none')}</code>{' '}
                      <span class={`badge badge-${a.state}`}>{t(STATE_KEY[a.state])}</span>
                    </li>
                  ))}
                  {preview.alerts.length > PREVIEW_ROWS && (
                    <li>{t('silence.previewMore', { count: fmt.number(preview.alerts.length - PREVIEW_ROWS) })}</li>
                  )}
                </ul>
              )}
            </div>
            <div>
              <h4 id="preview-nodes">{t('silence.previewNodes', { count: fmt.number(preview.nodes.length) })}</h4>
              {preview.nodes.length === 0 ? (
                <p class="muted">{t('silence.previewNoNodes')}</p>
              ) : (
                <ul aria-labelledby="preview-nodes" data-preview="nodes">
                  {preview.nodes.slice(0, PREVIEW_ROWS).map((n) => (
                    <li key={n.id} data-node={n.id}>
                      {n.hostname} <code>{n.id}</code>
                    </li>
                  ))}
                  {preview.nodes.length > PREVIEW_ROWS && (
                    <li>{t('silence.previewMore', { count: fmt.number(preview.nodes.length - PREVIEW_ROWS) })}</li>
                  )}
                </ul>
              )}
            </div>
          </div>
        </section>
        <div class="dialog-actions">
          <button type="button" onClick={props.onClose}>
            {t('silence.cancel')}
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t('silence.creating') : t('silence.create')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
