import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/http';
import type { Me, SsoStatus } from '../api/types';
import type { Translate } from '../i18n/i18n';

/**
 * Password login through `POST /api/v1/auth/login`: the gateway answers with the session cookies
 * (httpOnly), and the tokens also in the body, which this view drops unread. The SSO button shows
 * when the gateway says single sign-on is on (`GET /api/v1/auth/oidc/status`); it is a plain link,
 * since the provider's pages take over the browser.
 */
export function LoginView(props: { t: Translate; expired: boolean; onSignedIn(me: Me): void }) {
  const { t } = props;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(props.expired ? t('login.expired') : undefined);
  const [sso, setSso] = useState<SsoStatus | undefined>();
  const userField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    userField.current?.focus();
    const abort = new AbortController();
    api<SsoStatus>('/api/v1/auth/oidc/status', { signal: abort.signal, noRefresh: true }).then(setSso, () => undefined);
    return () => abort.abort();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await api<unknown>('/api/v1/auth/login', { method: 'POST', body: { username, password }, noRefresh: true });
      setPassword('');
      props.onSignedIn(await api<Me>('/api/v1/auth/me', { noRefresh: true }));
    } catch (err) {
      setPassword('');
      if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 400))
        setError(t('login.refused'));
      else if (err instanceof ApiError && err.status === 429) setError(t('login.tooMany'));
      else if (err instanceof ApiError) setError(t('error.generic', { status: err.status, detail: err.detail }));
      else setError(t('error.network'));
      setBusy(false);
    }
  };

  return (
    <div class="login">
      <h1 id="page-title" tabIndex={-1}>
        {t('login.title')}
      </h1>
      <form class="card login-form" onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        {error && (
          <p id="login-error" class="notice error" role="alert">
            {error}
          </p>
        )}
        <label for="login-username">{t('login.username')}</label>
        <input
          id="login-username"
          ref={userField}
          name="username"
          autocomplete="username"
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <label for="login-password">{t('login.password')}</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
      {sso?.enabled && (
        <div class="card sso">
          <p class="muted">{t('login.or')}</p>
          {sso.available ? (
            <a class="button" href="/api/v1/auth/oidc/login">
              {t('login.sso')}
            </a>
          ) : (
            <p>{t('login.ssoUnavailable')}</p>
          )}
        </div>
      )}
    </div>
  );
}
