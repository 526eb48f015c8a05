import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../app/context';
import type { Route } from '../app/routes';
import { ErrorNotice } from '../views/common';
import { AdminOnly } from './access';

type AdminRoute = Extract<Route, { view: 'audit' | 'keys' | 'status' }>;
type AdminViews = typeof import('./views');

let loaded: AdminViews | undefined;
let loading: Promise<AdminViews> | undefined;

/**
 * An admin view (audit trail, API keys, platform status). Their code is a chunk of its own,
 * fetched the first time an admin opens one, so the initial script stays as it was for everyone
 * else; anyone but an admin gets the "not allowed" page without fetching it.
 */
export function AdminView(props: { route: AdminRoute }) {
  return (
    <AdminOnly>
      <Loaded route={props.route} />
    </AdminOnly>
  );
}

function Loaded(props: { route: AdminRoute }) {
  const { t } = useConsole();
  const [views, setViews] = useState(loaded);
  const [error, setError] = useState<unknown>();
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (views) return;
    loading ??= import('./views').then(
      (m) => (loaded = m),
      (e: unknown) => {
        loading = undefined;
        throw e;
      },
    );
    loading.then(setViews, setError);
  }, [round]);
  if (error !== undefined)
    return (
      <ErrorNotice
        error={error}
        onRetry={() => {
          setError(undefined);
          setRound((n) => n + 1);
        }}
      />
    );
  if (!views)
    return (
      <p class="muted" role="status">
        {t('common.loading')}
      </p>
    );
  const { route } = props;
  switch (route.view) {
    case 'audit':
      return <views.AuditView filters={route.filters} />;
    case 'keys':
      return <views.KeysView />;
    case 'status':
      return <views.StatusView />;
    default: {
      const never: never = route;
      return never;
    }
  }
}
