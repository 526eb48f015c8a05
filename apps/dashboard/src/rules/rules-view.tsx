import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { RuleChange, RuleListReply, RuleView } from '@vigil/contracts';
import { api } from '../api/http';
import { useConsole } from '../app/context';
import { RULE_KINDS, RULE_STATES, type RuleFilters, routeHref } from '../app/routes';
import type { MessageKey } from '../i18n/messages';
import { SeverityBadge } from '../alerts/alerts-view';
import { ErrorNotice, Labels, Link, PageHeading, useLoad, useNow } from '../views/common';
import { type RuleKind, selectRules } from './rules';

/** Whether a role may change rules (operator and admin, as the API decides). */
export const canEditRules = (role: string): boolean => role === 'operator' || role === 'admin';

export const KIND_KEY: Record<RuleKind, MessageKey> = {
  threshold: 'rules.kind.threshold',
  absent: 'rules.kind.absent',
  offline: 'rules.kind.offline',
  event: 'rules.kind.event',
  missing: 'rules.kind.missing',
};

const STATE_KEY: Record<(typeof RULE_STATES)[number], MessageKey> = {
  enabled: 'rules.enabled',
  disabled: 'rules.disabled',
};

/**
 * The alert rules (`GET /api/v1/alerts/rules`), filtered by the URL's kind, state and text.
 * Operators and admins enable, disable and delete a rule from its row and open its form; viewers
 * read them, without those controls.
 */
export function RulesView(props: { filters: RuleFilters }) {
  const { t, fmt, me, navigate } = useConsole();
  const f = props.filters;
  const now = useNow();
  const list = useLoad((signal) => api<RuleListReply>('/api/v1/alerts/rules', { signal }), []);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<string | undefined>();
  // The row's confirmation takes the focus; cancelled, it goes back to the row's Delete button.
  const asked = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (deleting) document.getElementById(`rule-keep-${deleting}`)?.focus();
    else if (asked.current) document.getElementById(`rule-delete-${asked.current}`)?.focus();
    asked.current = deleting;
  }, [deleting]);
  const all = list.value?.rules ?? [];
  const shown = useMemo(() => selectRules(all, f, fmt.collator), [list.value, f, fmt]);
  const mayEdit = canEditRules(me.role);
  const setFilters = (next: Partial<RuleFilters>) =>
    navigate(routeHref({ view: 'rules', filters: { ...f, ...next } }), { replace: true });

  const act = async (v: RuleView, action: 'enable' | 'disable' | 'delete') => {
    setFailure(undefined);
    setBusy(v.rule.id);
    const path = `/api/v1/alerts/rules/${encodeURIComponent(v.rule.id)}`;
    try {
      await api<RuleChange>(action === 'delete' ? path : `${path}/${action}`, {
        method: action === 'delete' ? 'DELETE' : 'POST',
      });
      setDeleting(undefined);
      list.reload();
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <PageHeading>{t('rules.title')}</PageHeading>
      {list.error !== undefined && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {failure !== undefined && <ErrorNotice error={failure} />}
      {mayEdit ? (
        <p>
          <Link class="button primary" href={routeHref({ view: 'rule', id: null, kind: f.kind ?? 'threshold' })}>
            {t('rules.new')}
          </Link>
        </p>
      ) : (
        <p class="muted" data-read-only>
          {t('rules.readOnly')}
        </p>
      )}
      <section aria-labelledby="rule-filters-title">
        <h2 id="rule-filters-title" class="sr-only">
          {t('rules.filters')}
        </h2>
        <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="rules-q">{t('rules.search')}</label>
            <input
              id="rules-q"
              type="search"
              value={f.q}
              placeholder={t('rules.searchHint')}
              onInput={(e) => setFilters({ q: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="rules-kind">{t('rules.kind')}</label>
            <select
              id="rules-kind"
              value={f.kind ?? ''}
              onChange={(e) => setFilters({ kind: RULE_KINDS.find((k) => k === e.currentTarget.value) })}
            >
              <option value="">{t('rules.anyKind')}</option>
              {RULE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(KIND_KEY[k])}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="rules-state">{t('rules.state')}</label>
            <select
              id="rules-state"
              value={f.state ?? ''}
              onChange={(e) => setFilters({ state: RULE_STATES.find((s) => s === e.currentTarget.value) })}
            >
              <option value="">{t('rules.anyState')}</option>
              {RULE_STATES.map((s) => (
                <option key={s} value={s}>
                  {t(STATE_KEY[s])}
                </option>
              ))}
            </select>
          </div>
          {(f.q || f.kind || f.state) && (
            <button type="button" onClick={() => setFilters({ q: '', kind: undefined, state: undefined })}>
              {t('filter.clear')}
            </button>
          )}
        </form>
      </section>
      {list.loading && !list.value && (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {list.value && (
        <div class="card">
          <table class="data rule-table" data-rule-count={shown.length}>
            <caption>{t('rules.count', { shown: fmt.number(shown.length), total: fmt.number(all.length) })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('rules.name')}</th>
                <th scope="col">{t('rules.kind')}</th>
                <th scope="col">{t('rules.severity')}</th>
                <th scope="col">{t('rules.state')}</th>
                <th scope="col">{t('rules.updated')}</th>
                {mayEdit && <th scope="col">{t('rules.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {shown.map((v) => {
                const r = v.rule;
                const label = `${r.name} (${r.id})`;
                return (
                  <tr key={r.id} data-rule={r.id} data-enabled={String(r.enabled)}>
                    <th scope="row">
                      <Link href={routeHref({ view: 'rule', id: r.id, kind: r.kind })}>{r.name}</Link>{' '}
                      <code>{r.id}</code>
                      {Object.keys(r.labels).length > 0 && <Labels labels={r.labels} />}
                    </th>
                    <td>{t(KIND_KEY[r.kind])}</td>
                    <td>
                      <SeverityBadge severity={r.severity} />
                    </td>
                    <td>
                      <span class={`badge ${r.enabled ? 'badge-online' : 'badge-registered'}`}>
                        {r.enabled ? t('rules.enabled') : t('rules.disabled')}
                      </span>
                      {v.invalid !== undefined && (
                        <p class="field-error">{t('rules.invalid', { reason: v.invalid })}</p>
                      )}
                    </td>
                    <td>{t('rules.updatedBy', { relative: fmt.relative(v.updatedAt, now), actor: v.updatedBy })}</td>
                    {mayEdit && (
                      <td class="actions">
                        {deleting === r.id ? (
                          <span role="group" aria-label={t('rules.confirmDelete', { name: label })}>
                            <span>{t('rules.confirmDelete', { name: r.name })}</span>{' '}
                            <button type="button" disabled={busy === r.id} onClick={() => void act(v, 'delete')}>
                              {t('rules.confirm')}
                            </button>{' '}
                            <button type="button" id={`rule-keep-${r.id}`} onClick={() => setDeleting(undefined)}>
                              {t('rules.cancel')}
                            </button>
                          </span>
                        ) : (
                          <>
                            <button
                              type="button"
                              disabled={busy === r.id}
                              aria-label={t(r.enabled ? 'rules.disable' : 'rules.enable', { name: label })}
                              onClick={() => void act(v, r.enabled ? 'disable' : 'enable')}
                            >
                              {r.enabled ? t('rules.disableAction') : t('rules.enableAction')}
                            </button>{' '}
                            <button
                              type="button"
                              id={`rule-delete-${r.id}`}
                              disabled={busy === r.id}
                              aria-label={t('rules.delete', { name: label })}
                              onClick={() => setDeleting(r.id)}
                            >
                              {t('rules.deleteAction')}
                            </button>
                          </>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
          {shown.length === 0 && <p class="muted">{t('rules.empty')}</p>}
        </div>
      )}
    </>
  );
}
