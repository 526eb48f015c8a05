import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PreviewRuleReply, RuleChange, RuleListReply } from '@vigil/contracts';
import { api, ApiError } from '../api/http';
import { useConsole } from '../app/context';
import { RULE_KINDS, type RuleKindFilter, routeHref } from '../app/routes';
import type { MessageKey } from '../i18n/messages';
import { SEVERITY_KEY } from '../alerts/alerts';
import { ErrorNotice, errorText, Labels, Link, PageHeading, useLoad, useNow } from '../views/common';
import {
  AGGREGATES,
  COMPARISONS,
  formOf,
  type Rule,
  type RuleField,
  type RuleForm,
  type RuleProblem,
  ruleOf,
  ruleProblems,
  SEVERITIES,
  WATCHED_EVENTS,
} from './rules';
import { canEditRules, KIND_KEY } from './rules-view';

const LABEL_KEY: Record<Exclude<RuleField, 'form'>, MessageKey> = {
  id: 'rules.id',
  name: 'rules.name',
  severity: 'rules.severity',
  for: 'rule.for',
  keepFiringFor: 'rule.keepFiringFor',
  labels: 'rule.labels',
  annotations: 'rule.annotations',
  metric: 'rule.metric',
  matchers: 'rule.matchers',
  op: 'rule.op',
  value: 'rule.value',
  window: 'rule.windowDuration',
  by: 'rule.by',
  nodeLabels: 'rule.nodeLabels',
  on: 'rule.on',
  resolvedBy: 'rule.resolvedBy',
  event: 'rule.event',
};

/** The element a field's problems point at (its input). */
const inputId = (field: RuleField) => `rule-${field}`;
const errorId = (field: RuleField) => `rule-error-${field}`;

/**
 * One rule's form (`/rules/<id>`, or `/rules/new?kind=…` for a new one): the fields of its kind,
 * saved with `PUT /api/v1/alerts/rules/<id>`; "What would fire now" sends the rule as written
 * (not saved) to `POST /api/v1/alerts/rules/preview` and lists the alerts it would have. The
 * problems the API names are shown by their fields. Viewers read the rule, without the actions.
 */
export function RuleFormView(props: { id: string | null; kind: RuleKindFilter }) {
  const { t } = useConsole();
  const existing = useLoad(
    (signal) =>
      props.id === null
        ? Promise.resolve(undefined)
        : api<RuleListReply>('/api/v1/alerts/rules', { signal }).then((r) =>
            r.rules.find((v) => v.rule.id === props.id),
          ),
    [props.id],
  );
  const title =
    props.id === null ? t('rule.newTitle') : t('rule.editTitle', { id: existing.value?.rule.name ?? props.id });
  return (
    <>
      <PageHeading>{title}</PageHeading>
      <p>
        <Link href={routeHref({ view: 'rules', filters: { q: '' } })}>{t('rule.back')}</Link>
      </p>
      {existing.error !== undefined && <ErrorNotice error={existing.error} onRetry={existing.reload} />}
      {existing.loading && (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {!existing.loading && props.id !== null && existing.error === undefined && !existing.value && (
        <p class="notice">{t('rule.notFound', { id: props.id })}</p>
      )}
      {!existing.loading && (props.id === null || existing.value) && (
        <RuleEditor key={`${props.id ?? ''}:${props.kind}`} rule={existing.value?.rule} kind={props.kind} />
      )}
    </>
  );
}

function RuleEditor(props: { rule: Rule | undefined; kind: RuleKindFilter }) {
  const { t, fmt, me, navigate } = useConsole();
  const now = useNow();
  const creating = props.rule === undefined;
  const mayEdit = canEditRules(me.role);
  const [form, setForm] = useState<RuleForm>(() => formOf(props.rule, props.kind));
  const [problems, setProblems] = useState<RuleProblem[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState<'save' | 'preview' | undefined>();
  const [preview, setPreview] = useState<{ reply: PreviewRuleReply; of: string } | undefined>();
  const [focusProblem, setFocusProblem] = useState(false);

  const set = (patch: Partial<RuleForm>) => setForm((f) => ({ ...f, ...patch }));
  const problemsOf = (field: RuleField) => problems.filter((p) => p.field === field);
  const describedBy = (field: RuleField, hint?: string) =>
    [hint, problemsOf(field).length > 0 ? errorId(field) : undefined].filter(Boolean).join(' ') || undefined;

  // After a refusal, the first field named takes the focus (its problem is read with it).
  useEffect(() => {
    if (!focusProblem) return;
    setFocusProblem(false);
    const first = problems.find((p) => p.field !== 'form');
    document.getElementById(first ? inputId(first.field) : 'rule-problems')?.focus();
  }, [focusProblem, problems]);

  /** The rule as written, or undefined (and its problems shown) when the form cannot be read. */
  const built = () => {
    const { rule, problems: local } = ruleOf(form);
    if (local.length > 0) {
      setProblems(local);
      setFocusProblem(true);
      return undefined;
    }
    return rule;
  };
  const refused = (error: unknown) => {
    if (error instanceof ApiError && error.status === 400) {
      setProblems(ruleProblems(error.detail, error.errors));
      setFocusProblem(true);
    } else setFailure(error);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    const rule = built();
    if (!rule) return;
    setProblems([]);
    setBusy('save');
    try {
      await api<RuleChange>(`/api/v1/alerts/rules/${encodeURIComponent(rule.id)}`, { method: 'PUT', body: rule });
      navigate(routeHref({ view: 'rules', filters: { q: '' } }));
    } catch (error) {
      setBusy(undefined);
      refused(error);
    }
  };

  const runPreview = async () => {
    setFailure(undefined);
    const rule = built();
    if (!rule) return;
    setProblems([]);
    setBusy('preview');
    try {
      const reply = await api<PreviewRuleReply>('/api/v1/alerts/rules/preview', { method: 'POST', body: { rule } });
      setPreview({ reply, of: JSON.stringify(rule) });
    } catch (error) {
      refused(error);
    } finally {
      setBusy(undefined);
    }
  };

  const fieldErrors = (p: { field: RuleField }) => {
    const list = problemsOf(p.field);
    if (list.length === 0) return null;
    return (
      <p class="field-error" id={errorId(p.field)}>
        {list.map((x) => x.message).join('; ')}
      </p>
    );
  };

  /** A text field (a textarea with `rows`), its hint and its problems. */
  const text = (p: {
    field: Exclude<RuleField, 'form'>;
    value: string;
    hint?: MessageKey;
    rows?: number;
    onInput(v: string): void;
    disabled?: boolean;
  }) => {
    const hintId = p.hint ? `rule-hint-${p.field}` : undefined;
    const common = {
      id: inputId(p.field),
      value: p.value,
      spellcheck: false,
      disabled: p.disabled,
      'aria-invalid': problemsOf(p.field).length > 0,
      'aria-describedby': describedBy(p.field, hintId),
    };
    return (
      <div class="field">
        <label for={inputId(p.field)}>{t(LABEL_KEY[p.field])}</label>
        {p.rows ? (
          <textarea {...common} rows={p.rows} onInput={(e) => p.onInput(e.currentTarget.value)} />
        ) : (
          <input {...common} onInput={(e) => p.onInput(e.currentTarget.value)} />
        )}
        {hintId && p.hint && (
          <p class="muted hint" id={hintId}>
            {t(p.hint)}
          </p>
        )}
        {fieldErrors({ field: p.field })}
      </div>
    );
  };

  const choice = <V extends string>(p: {
    field: Exclude<RuleField, 'form'>;
    value: V;
    options: readonly V[];
    text(v: V): string;
    onChange(v: V): void;
  }) => (
    <div class="field">
      <label for={inputId(p.field)}>{t(LABEL_KEY[p.field])}</label>
      <select
        id={inputId(p.field)}
        value={p.value}
        aria-invalid={problemsOf(p.field).length > 0}
        aria-describedby={describedBy(p.field)}
        onChange={(e) => p.onChange(p.options.find((o) => o === e.currentTarget.value) ?? p.options[0])}
      >
        {p.options.map((o) => (
          <option key={o} value={o}>
            {p.text(o)}
          </option>
        ))}
      </select>
      {fieldErrors({ field: p.field })}
    </div>
  );

  const k = form.kind;
  const formProblems = problemsOf('form');
  const current = (() => {
    const { rule, problems: local } = ruleOf(form);
    return local.length > 0 ? undefined : JSON.stringify(rule);
  })();

  return (
    <form class="rule-form" onSubmit={(e) => void save(e)} noValidate>
      {(failure !== undefined || formProblems.length > 0) && (
        <div class="notice error" role="alert" id="rule-problems" tabIndex={-1}>
          {failure !== undefined && <p>{errorText(t, failure)}</p>}
          {formProblems.map((p, i) => (
            <p key={i}>{t('rule.refused', { detail: p.message })}</p>
          ))}
        </div>
      )}
      {problems.some((p) => p.field !== 'form') && (
        <p class="notice error" role="alert" data-problems>
          {t('rule.refused', {
            detail: problems
              .filter((p) => p.field !== 'form')
              .map((p) => `${t(LABEL_KEY[p.field as Exclude<RuleField, 'form'>])}: ${p.message}`)
              .join('; '),
          })}
        </p>
      )}
      {!mayEdit && <p class="muted">{t('rules.readOnly')}</p>}
      <fieldset disabled={!mayEdit}>
        <legend>{t('rule.general')}</legend>
        <div class="field">
          <label for="rule-kind">{t('rules.kind')}</label>
          <select
            id="rule-kind"
            value={k}
            onChange={(e) => {
              const kind = RULE_KINDS.find((x) => x === e.currentTarget.value) ?? 'threshold';
              const by = formOf(undefined, kind).by;
              set({ kind, by: kind === k ? form.by : by });
            }}
          >
            {RULE_KINDS.map((x) => (
              <option key={x} value={x}>
                {t(KIND_KEY[x])}
              </option>
            ))}
          </select>
        </div>
        {text({ field: 'id', value: form.id, hint: 'rule.idHint', disabled: !creating, onInput: (id) => set({ id }) })}
        {text({ field: 'name', value: form.name, hint: 'rule.nameHint', onInput: (name) => set({ name }) })}
        {choice({
          field: 'severity',
          value: form.severity,
          options: SEVERITIES,
          text: (s) => t(SEVERITY_KEY[s] ?? 'common.none'),
          onChange: (severity) => set({ severity }),
        })}
        <div class="field inline">
          <input
            id="rule-enabled"
            type="checkbox"
            checked={form.enabled}
            onChange={(e) => set({ enabled: e.currentTarget.checked })}
          />
          <label for="rule-enabled">{t('rule.enabled')}</label>
        </div>
      </fieldset>
      <fieldset disabled={!mayEdit}>
        <legend>{t('rule.condition')}</legend>
        {(k === 'threshold' || k === 'absent') && (
          <>
            {text({ field: 'metric', value: form.metric, onInput: (metric) => set({ metric }) })}
            {text({
              field: 'matchers',
              value: form.matchers,
              rows: 2,
              hint: 'rule.matchersHint',
              onInput: (matchers) => set({ matchers }),
            })}
          </>
        )}
        {k === 'threshold' && (
          <Group>
            {choice({
              field: 'op',
              value: form.op,
              options: COMPARISONS,
              text: (o) => o,
              onChange: (op) => set({ op }),
            })}
            {text({ field: 'value', value: form.value, onInput: (value) => set({ value }) })}
            <div class="field">
              <label for="rule-window-aggregate">{t('rule.window')}</label>
              <select
                id="rule-window-aggregate"
                value={form.windowAggregate}
                onChange={(e) => set({ windowAggregate: AGGREGATES.find((a) => a === e.currentTarget.value) ?? '' })}
              >
                <option value="">{t('rule.noWindow')}</option>
                {AGGREGATES.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            </div>
            {form.windowAggregate &&
              text({
                field: 'window',
                value: form.windowDuration,
                onInput: (windowDuration) => set({ windowDuration }),
              })}
          </Group>
        )}
        {k === 'offline' &&
          text({
            field: 'nodeLabels',
            value: form.nodeLabels,
            rows: 2,
            hint: 'rule.nodeLabelsHint',
            onInput: (nodeLabels) => set({ nodeLabels }),
          })}
        {k === 'event' && (
          <Group>
            {choice({
              field: 'on',
              value: form.on,
              options: WATCHED_EVENTS,
              text: (e) => e,
              onChange: (on) => set({ on }),
            })}
            {choice({
              field: 'resolvedBy',
              value: form.resolvedBy,
              options: ['', ...WATCHED_EVENTS] as const,
              text: (e) => e || t('rule.notResolved'),
              onChange: (resolvedBy) => set({ resolvedBy }),
            })}
          </Group>
        )}
        {k === 'missing' &&
          choice({
            field: 'event',
            value: form.event,
            options: WATCHED_EVENTS,
            text: (e) => e,
            onChange: (event) => set({ event }),
          })}
        {(k === 'absent' || k === 'event' || k === 'missing') &&
          text({ field: 'by', value: form.by, hint: 'rule.byHint', onInput: (by) => set({ by }) })}
        {k !== 'event' &&
          text({
            field: 'for',
            value: form.for,
            hint: k === 'absent' || k === 'missing' ? 'rule.forSilence' : 'rule.forHint',
            onInput: (v) => set({ for: v }),
          })}
      </fieldset>
      <fieldset disabled={!mayEdit}>
        <legend>{t('rule.alerts')}</legend>
        {text({
          field: 'keepFiringFor',
          value: form.keepFiringFor,
          hint: 'rule.keepFiringForHint',
          onInput: (keepFiringFor) => set({ keepFiringFor }),
        })}
        {text({
          field: 'labels',
          value: form.labels,
          rows: 2,
          hint: 'rule.labelsHint',
          onInput: (labels) => set({ labels }),
        })}
        {text({
          field: 'annotations',
          value: form.annotations,
          rows: 3,
          hint: 'rule.annotationsHint',
          onInput: (annotations) => set({ annotations }),
        })}
      </fieldset>
      {mayEdit && (
        <div class="form-actions">
          <button type="button" disabled={busy !== undefined} onClick={() => void runPreview()}>
            {busy === 'preview' ? t('preview.running') : t('preview.run')}
          </button>
          <button type="submit" class="primary" disabled={busy !== undefined}>
            {busy === 'save' ? t('rule.saving') : t('rule.save')}
          </button>
        </div>
      )}
      {preview && <Preview reply={preview.reply} stale={preview.of !== current} now={now} fmt={fmt} />}
    </form>
  );
}

function Group(props: { children: ComponentChildren }) {
  return <div class="field-row">{props.children}</div>;
}

function Preview(props: {
  reply: PreviewRuleReply;
  stale: boolean;
  now: number;
  fmt: ReturnType<typeof useConsole>['fmt'];
}) {
  const { t } = useConsole();
  const { reply, fmt, now } = props;
  const more = reply.total - reply.instances.length;
  return (
    <section class="card preview" aria-labelledby="rule-preview-title" data-preview-total={reply.total}>
      <h2 id="rule-preview-title">{t('preview.title')}</h2>
      <p class="muted">{t('preview.note')}</p>
      {props.stale && <p class="notice">{t('preview.stale')}</p>}
      <p role="status">
        {reply.total === 0
          ? t('preview.none')
          : t('preview.summary', {
              total: fmt.number(reply.total),
              firing: fmt.number(reply.firing),
              pending: fmt.number(reply.pending),
            })}
      </p>
      {!reply.complete && <p class="notice">{t('preview.incomplete')}</p>}
      <p class="muted">
        {reply.readFrom
          ? t('preview.readFrom', { time: fmt.time(reply.readFrom), read: fmt.number(reply.read) })
          : t('preview.readEvents', { read: fmt.number(reply.read) })}
      </p>
      {reply.instances.length > 0 && (
        <table class="data" data-preview="instances">
          <thead>
            <tr>
              <th scope="col">{t('preview.node')}</th>
              <th scope="col">{t('preview.state')}</th>
              <th scope="col">{t('preview.value')}</th>
              <th scope="col">{t('preview.since')}</th>
              <th scope="col">{t('preview.labels')}</th>
            </tr>
          </thead>
          <tbody>
            {reply.instances.map((i) => (
              <tr key={i.fingerprint} data-node={i.node ?? ''} data-state={i.state}>
                <th scope="row">{i.node ?? t('common.none')}</th>
                <td>
                  <span class={`badge badge-${i.state}`}>
                    {t(i.state === 'firing' ? 'state.firing' : 'state.pending')}
                  </span>
                  {i.firesAt && (
                    <span class="muted"> {t('preview.firesIn', { relative: fmt.relative(i.firesAt, now) })}</span>
                  )}
                </td>
                <td>{i.value === null ? t('common.none') : fmt.number(i.value, 3)}</td>
                <td>{fmt.relative(i.activeAt, now)}</td>
                <td>
                  <Labels labels={i.labels} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {more > 0 && <p class="muted">{t('preview.more', { count: fmt.number(more) })}</p>}
    </section>
  );
}
