import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/http';
import type { ApiKeyView, Role } from '../api/types';
import { useConsole } from '../app/context';
import { ROLE_KEY } from '../app/roles';
import type { MessageKey } from '../i18n/messages';
import { ForbiddenView } from '../users/users';
import { ErrorNotice, errorText, Labels, PageHeading, useLoad, useNow } from '../views/common';
import { KEY_DAYS_MAX, KEY_NAME_MAX, keyState, type KeyState, parseScope, sortKeys } from './keys';
import { ModalDialog } from './modal';

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
const STATE_KEY: Record<KeyState, MessageKey> = {
  active: 'keys.active',
  revoked: 'keys.revoked',
  expired: 'keys.expired',
};

/**
 * API keys (`/api/v1/keys`, admins): the list (never a key's secret: the API has none to give),
 * create (the secret shown once, with a copy button, and gone when the dialog closes), and revoke
 * after a confirmation.
 */
export function KeysView() {
  const { t, fmt } = useConsole();
  const now = useNow(30_000);
  const keys = useLoad((signal) => api<{ keys: ApiKeyView[] }>('/api/v1/keys', { signal }), []);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ key: string; view: ApiKeyView } | undefined>();
  const [revoking, setRevoking] = useState<ApiKeyView | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  if (keys.error instanceof ApiError && keys.error.status === 403) return <ForbiddenView />;
  const list = sortKeys(keys.value?.keys ?? [], now);
  return (
    <>
      <PageHeading>{t('keys.title')}</PageHeading>
      {keys.error !== undefined && <ErrorNotice error={keys.error} onRetry={keys.reload} />}
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <p>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          {t('keys.new')}
        </button>
      </p>
      {keys.loading && !keys.value && (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {keys.value && (
        <div class="card admin-scroll" tabIndex={0} aria-labelledby="keys-caption">
          <table class="data" data-view="keys">
            <caption id="keys-caption">{t('keys.caption', { count: fmt.number(list.length) })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('keys.name')}</th>
                <th scope="col">{t('keys.id')}</th>
                <th scope="col">{t('keys.role')}</th>
                <th scope="col">{t('keys.scope')}</th>
                <th scope="col">{t('keys.created')}</th>
                <th scope="col">{t('keys.lastUsed')}</th>
                <th scope="col">{t('keys.expires')}</th>
                <th scope="col">{t('keys.state')}</th>
                <th scope="col">{t('keys.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((k) => {
                const state = keyState(k, now);
                return (
                  <tr key={k.id} data-key={k.id}>
                    <th scope="row">{k.name}</th>
                    <td>
                      <code>{k.id}</code>
                    </td>
                    <td>{t(ROLE_KEY[k.role])}</td>
                    <td>{k.scope ? <Labels labels={k.scope} /> : <span class="muted">{t('keys.scopeAll')}</span>}</td>
                    <td>
                      {fmt.dateTime(k.createdAt)}
                      <br />
                      <span class="muted">{t('keys.createdBy', { actor: k.createdBy })}</span>
                    </td>
                    <td>{k.lastUsedAt ? fmt.relative(k.lastUsedAt, now) : t('keys.never')}</td>
                    <td>{fmt.dateTime(k.expiresAt)}</td>
                    <td>
                      <span class={`badge ${state === 'active' ? 'badge-online' : 'badge-offline'}`}>
                        {t(STATE_KEY[state])}
                      </span>
                    </td>
                    <td>
                      {state === 'active' && (
                        <button
                          type="button"
                          aria-label={t('keys.revokeOf', { name: k.name })}
                          onClick={() => setRevoking(k)}
                        >
                          {t('keys.revoke')}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <CreateKeyDialog
          onClose={() => setCreating(false)}
          onCreated={(created) => {
            setCreating(false);
            setNotice(undefined);
            setSecret(created);
            keys.reload();
          }}
        />
      )}
      {secret && <SecretDialog secret={secret.key} name={secret.view.name} onClose={() => setSecret(undefined)} />}
      {revoking && (
        <RevokeDialog
          apiKey={revoking}
          onClose={() => setRevoking(undefined)}
          onRevoked={(k) => {
            setRevoking(undefined);
            setNotice(t('keys.revokedNotice', { name: k.name }));
            keys.reload();
          }}
        />
      )}
    </>
  );
}

function CreateKeyDialog(props: { onClose(): void; onCreated(c: { key: string; view: ApiKeyView }): void }) {
  const { t } = useConsole();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [days, setDays] = useState('90');
  const [scope, setScope] = useState('');
  const [problems, setProblems] = useState<Partial<Record<'name' | 'days' | 'scope', string>>>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    const found: typeof problems = {};
    const n = name.trim();
    if (n.length < 1 || n.length > KEY_NAME_MAX) found.name = t('keys.badName', { max: KEY_NAME_MAX });
    const d = Number(days);
    if (!Number.isInteger(d) || d < 1 || d > KEY_DAYS_MAX) found.days = t('keys.badDays', { max: KEY_DAYS_MAX });
    const parsed = parseScope(scope);
    if (!parsed.ok) found.scope = t('keys.badScope', { part: parsed.bad });
    setProblems(found);
    const first = (['name', 'days', 'scope'] as const).find((f) => found[f]);
    if (first || !parsed.ok) {
      document.getElementById(`key-${first ?? 'scope'}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const created = await api<ApiKeyView & { key: string }>('/api/v1/keys', {
        method: 'POST',
        body: { name: n, role, expiresInDays: d, ...(parsed.scope ? { scope: parsed.scope } : {}) },
      });
      const { key, ...view } = created;
      props.onCreated({ key, view });
    } catch (error) {
      setBusy(false);
      setFailure(error);
    }
  };

  const field = (id: 'name' | 'days' | 'scope') =>
    problems[id] ? { 'aria-invalid': true as const, 'aria-describedby': `key-${id}-error` } : {};
  const problem = (id: 'name' | 'days' | 'scope') =>
    problems[id] && (
      <p class="field-error" id={`key-${id}-error`}>
        {problems[id]}
      </p>
    );

  return (
    <ModalDialog labelledBy="key-create-title" onClose={props.onClose} view="create-key">
      <form class="silence-form" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="key-create-title">{t('keys.createTitle')}</h2>
        {failure !== undefined && (
          <div class="notice error" role="alert">
            <p>{errorText(t, failure)}</p>
          </div>
        )}
        <div class="field">
          <label for="key-name">{t('keys.name')}</label>
          <input
            id="key-name"
            value={name}
            maxLength={KEY_NAME_MAX}
            onInput={(e) => setName(e.currentTarget.value)}
            {...field('name')}
          />
          {problem('name')}
        </div>
        <div class="field">
          <label for="key-role">{t('keys.role')}</label>
          <select
            id="key-role"
            value={role}
            onChange={(e) => setRole(ROLES.find((r) => r === e.currentTarget.value) ?? 'viewer')}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(ROLE_KEY[r])}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="key-days">{t('keys.days')}</label>
          <input
            id="key-days"
            type="number"
            min={1}
            max={KEY_DAYS_MAX}
            value={days}
            onInput={(e) => setDays(e.currentTarget.value)}
            {...field('days')}
          />
          {problem('days')}
        </div>
        <div class="field">
          <label for="key-scope">{t('keys.scopeField')}</label>
          <input
            id="key-scope"
            value={scope}
            aria-describedby={problems.scope ? 'key-scope-error key-scope-hint' : 'key-scope-hint'}
            aria-invalid={problems.scope ? true : undefined}
            onInput={(e) => setScope(e.currentTarget.value)}
          />
          <p class="muted" id="key-scope-hint">
            {t('keys.scopeHint')}
          </p>
          {problem('scope')}
        </div>
        <div class="dialog-actions">
          <button type="button" onClick={props.onClose}>
            {t('keys.cancel')}
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t('keys.creating') : t('keys.create')}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}

/** The new key, once: it lives only in this dialog's props, and is dropped when it closes. */
function SecretDialog(props: { secret: string; name: string; onClose(): void }) {
  const { t } = useConsole();
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <ModalDialog labelledBy="key-secret-title" onClose={props.onClose} view="key-secret">
      <h2 id="key-secret-title">{t('keys.secretTitle')}</h2>
      <p>{t('keys.secretBody')}</p>
      <div class="field">
        <label for="key-secret">{t('keys.secretLabel')}</label>
        <input
          id="key-secret"
          class="secret"
          readOnly
          value={props.secret}
          onFocus={(e) => e.currentTarget.select()}
          data-secret-of={props.name}
        />
      </div>
      {copied && (
        <p class={copied === 'yes' ? 'notice' : 'notice error'} role="status">
          {copied === 'yes' ? t('keys.copied') : t('keys.copyFailed')}
        </p>
      )}
      <div class="dialog-actions">
        <button type="button" onClick={() => void copy()}>
          {t('keys.copy')}
        </button>
        <button type="button" class="primary" onClick={props.onClose}>
          {t('keys.done')}
        </button>
      </div>
    </ModalDialog>
  );
}

function RevokeDialog(props: { apiKey: ApiKeyView; onClose(): void; onRevoked(k: ApiKeyView): void }) {
  const { t } = useConsole();
  const k = props.apiKey;
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const revoke = async () => {
    setBusy(true);
    setFailure(undefined);
    try {
      props.onRevoked(await api<ApiKeyView>(`/api/v1/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' }));
    } catch (error) {
      setBusy(false);
      setFailure(error);
    }
  };
  return (
    <ModalDialog labelledBy="key-revoke-title" onClose={props.onClose} view="revoke-key">
      <h2 id="key-revoke-title">{t('keys.revokeTitle')}</h2>
      <p>{t('keys.revokeBody', { name: k.name, id: k.id })}</p>
      {failure !== undefined && (
        <div class="notice error" role="alert">
          <p>{errorText(t, failure)}</p>
        </div>
      )}
      <div class="dialog-actions">
        <button type="button" onClick={props.onClose}>
          {t('keys.cancel')}
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => void revoke()}>
          {busy ? t('keys.revoking') : t('keys.revoke')}
        </button>
      </div>
    </ModalDialog>
  );
}
