import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api/http';
import type { AuditRecordView } from '../api/types';
import { useConsole } from '../app/context';
import { AUDIT_OUTCOMES, type AuditFilters, routeHref } from '../app/routes';
import { toLocalInput } from '../alerts/alerts';
import { ForbiddenView } from '../users/users';
import { ErrorNotice, Link, PageHeading } from '../views/common';
import { auditQuery, changesText, matchesAudit, recordFromEvent, withRecord } from './audit';

type Page = { items: AuditRecordView[]; next: number | null };

/** A `datetime-local` value as an ISO timestamp (undefined when empty or not a time). */
const fromLocalInput = (value: string): string | undefined => {
  const t = Date.parse(value);
  return value && Number.isFinite(t) ? new Date(t).toISOString() : undefined;
};

/**
 * The audit trail (`GET /api/v1/audit`, admins): filters and page in the URL, pages read from the
 * server (`before`), and on the newest page the records the live API's `audit` topic brings that
 * match the filters, put in without a reload.
 */
export function AuditView(props: { filters: AuditFilters }) {
  const { t, fmt, live, navigate } = useConsole();
  const f = props.filters;
  const [page, setPage] = useState<{ value?: Page; error?: unknown; loading: boolean }>({ loading: true });
  const [fresh, setFresh] = useState<Set<number>>(() => new Set());
  const [round, setRound] = useState(0);
  const key = routeHref({ view: 'audit', filters: f });

  useEffect(() => {
    const abort = new AbortController();
    // Live records that arrive while the page is read are held and put in after it.
    let held: AuditRecordView[] | undefined = [];
    setPage((p) => ({ ...p, loading: true }));
    setFresh(new Set());
    const add = (r: AuditRecordView) => {
      setPage((p) => (p.value ? { ...p, value: { ...p.value, items: withRecord(p.value.items, r) } } : p));
      setFresh((s) => new Set(s).add(r.seq));
    };
    const stop =
      f.before === undefined
        ? live.subscribeEvents(
            'audit',
            (event, cursor) => {
              const r = recordFromEvent(event, cursor);
              if (!r || !matchesAudit(r, f)) return;
              if (held) held.push(r);
              else add(r);
            },
            () => setRound((n) => n + 1),
          )
        : undefined;
    api<Page>(`/api/v1/audit?${query(auditQuery(f))}`, { signal: abort.signal }).then(
      (value) => {
        if (abort.signal.aborted) return;
        let items = value.items;
        for (const r of held ?? []) items = withRecord(items, r);
        held = undefined;
        setPage({ value: { ...value, items }, loading: false });
      },
      (error: unknown) => {
        held = undefined;
        if (!abort.signal.aborted) setPage({ error, loading: false });
      },
    );
    return () => {
      abort.abort();
      stop?.();
    };
  }, [key, round, live]);

  if (page.error instanceof ApiError && page.error.status === 403) return <ForbiddenView />;
  const items = page.value?.items ?? [];
  return (
    <>
      <PageHeading>{t('audit.title')}</PageHeading>
      <AuditFiltersForm filters={f} onApply={(next) => navigate(routeHref({ view: 'audit', filters: next }))} />
      {page.error !== undefined && <ErrorNotice error={page.error} onRetry={() => setRound((n) => n + 1)} />}
      <p class="muted" data-audit-live={f.before === undefined ? 'on' : 'off'}>
        {f.before === undefined ? t('audit.live') : t('audit.liveOff')}
      </p>
      {page.loading && !page.value ? (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      ) : (
        page.value && (
          <div class="card admin-scroll" tabIndex={0} aria-labelledby="audit-caption">
            <table class="data" data-view="audit">
              <caption id="audit-caption">{t('audit.caption', { count: fmt.number(items.length) })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('audit.at')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.target')}</th>
                  <th scope="col">{t('audit.status')}</th>
                  <th scope="col">{t('audit.changes')}</th>
                  <th scope="col">{t('audit.source')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr key={r.seq} data-seq={r.seq} data-fresh={fresh.has(r.seq) ? 'true' : undefined}>
                    <td>
                      {fmt.dateTime(r.at)}{' '}
                      {fresh.has(r.seq) && <span class="badge badge-online">{t('audit.new')}</span>}
                    </td>
                    <td>
                      <code>{r.actor}</code>
                    </td>
                    <td>
                      <code>{r.action}</code>
                    </td>
                    <td>
                      <code>{r.target}</code>
                    </td>
                    <td>
                      <span class={`badge ${r.outcome === 'success' ? 'badge-online' : 'badge-offline'}`}>
                        {r.status || t(r.outcome === 'success' ? 'audit.success' : 'audit.failure')}
                      </span>
                    </td>
                    <td class="audit-changes">
                      <code>{changesText(r.changes)}</code>
                    </td>
                    <td>{r.sourceIp}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {items.length === 0 && <p class="muted">{t('audit.empty')}</p>}
          </div>
        )
      )}
      <nav class="pager" aria-label={t('audit.title')}>
        {f.before !== undefined && (
          <Link href={routeHref({ view: 'audit', filters: { ...f, before: undefined } })}>{t('audit.newest')}</Link>
        )}
        {page.value?.next != null && (
          <Link href={routeHref({ view: 'audit', filters: { ...f, before: page.value.next } })}>
            {t('audit.older')}
          </Link>
        )}
      </nav>
    </>
  );
}

/** The filters as a form: applied together (Enter or the button), each a new entry in the history. */
function AuditFiltersForm(props: { filters: AuditFilters; onApply(f: AuditFilters): void }) {
  const { t } = useConsole();
  const f = props.filters;
  const [draft, setDraft] = useState({
    actor: f.actor,
    action: f.action,
    q: f.q,
    outcome: f.outcome ?? '',
    since: f.since ? toLocalInput(Date.parse(f.since)) : '',
    until: f.until ? toLocalInput(Date.parse(f.until)) : '',
  });
  useEffect(
    () =>
      setDraft({
        actor: f.actor,
        action: f.action,
        q: f.q,
        outcome: f.outcome ?? '',
        since: f.since ? toLocalInput(Date.parse(f.since)) : '',
        until: f.until ? toLocalInput(Date.parse(f.until)) : '',
      }),
    [f.actor, f.action, f.q, f.outcome, f.since, f.until],
  );
  const set = (patch: Partial<typeof draft>) => setDraft((d) => ({ ...d, ...patch }));
  const submit = (e: Event) => {
    e.preventDefault();
    props.onApply({
      actor: draft.actor.trim(),
      action: draft.action.trim(),
      q: draft.q.trim(),
      outcome: AUDIT_OUTCOMES.find((o) => o === draft.outcome),
      since: fromLocalInput(draft.since),
      until: fromLocalInput(draft.until),
    });
  };
  const text = (id: string, field: 'actor' | 'action' | 'q', label: string, hint: string, max: number) => (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="search"
        value={draft[field]}
        maxLength={max}
        placeholder={hint}
        onInput={(e) => set({ [field]: e.currentTarget.value })}
      />
    </div>
  );
  return (
    <section aria-labelledby="audit-filters-title">
      <h2 id="audit-filters-title" class="sr-only">
        {t('audit.filters')}
      </h2>
      <form class="filters" role="search" onSubmit={submit}>
        {text('audit-actor', 'actor', t('audit.actor'), t('audit.actorHint'), 256)}
        {text('audit-action', 'action', t('audit.action'), t('audit.actionHint'), 256)}
        {text('audit-q', 'q', t('audit.search'), t('audit.searchHint'), 200)}
        <div class="field">
          <label for="audit-outcome">{t('audit.outcome')}</label>
          <select id="audit-outcome" value={draft.outcome} onChange={(e) => set({ outcome: e.currentTarget.value })}>
            <option value="">{t('audit.anyOutcome')}</option>
            <option value="success">{t('audit.success')}</option>
            <option value="failure">{t('audit.failure')}</option>
          </select>
        </div>
        <div class="field">
          <label for="audit-since">{t('audit.since')}</label>
          <input
            id="audit-since"
            type="datetime-local"
            value={draft.since}
            onInput={(e) => set({ since: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="audit-until">{t('audit.until')}</label>
          <input
            id="audit-until"
            type="datetime-local"
            value={draft.until}
            onInput={(e) => set({ until: e.currentTarget.value })}
          />
        </div>
        <button type="submit" class="primary">
          {t('audit.apply')}
        </button>
        {(f.actor || f.action || f.q || f.outcome || f.since || f.until) && (
          <button type="button" onClick={() => props.onApply({ actor: '', action: '', q: '' })}>
            {t('filter.clear')}
          </button>
        )}
      </form>
    </section>
  );
}
