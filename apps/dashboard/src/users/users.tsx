import { api, ApiError } from '../api/http';
import type { UserView } from '../api/types';
import { useConsole } from '../app/context';
import { ROLE_KEY } from '../app/roles';
import { ErrorNotice, PageHeading, useLoad } from '../views/common';

/** Whether a role sees the users page (and its entry in the navigation): admins only, as the API decides. */
export const seesUsers = (role: string): boolean => role === 'admin';

export function ForbiddenView() {
  const { t, me } = useConsole();
  return (
    <>
      <PageHeading>{t('forbidden.title')}</PageHeading>
      <p class="notice" data-view="forbidden">
        {t('forbidden.body', { role: t(ROLE_KEY[me.role]) })}
      </p>
    </>
  );
}

/** The users (`GET /api/v1/users`, admins only). Read-only in this version of the console. */
export function UsersView() {
  const { me } = useConsole();
  if (!seesUsers(me.role)) return <ForbiddenView />;
  return <UsersList />;
}

function UsersList() {
  const { t, fmt } = useConsole();
  const users = useLoad((signal) => api<{ users: UserView[] }>('/api/v1/users', { signal }), []);
  if (users.error instanceof ApiError && users.error.status === 403) return <ForbiddenView />;
  const list = users.value?.users ?? [];
  return (
    <>
      <PageHeading>{t('users.title')}</PageHeading>
      {users.error !== undefined && <ErrorNotice error={users.error} onRetry={users.reload} />}
      {users.loading && !users.value && (
        <p class="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {users.value && (
        <div class="card">
          <table class="data">
            <caption>{t('users.caption', { count: fmt.number(list.length) })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('users.username')}</th>
                <th scope="col">{t('users.role')}</th>
                <th scope="col">{t('users.state')}</th>
                <th scope="col">{t('users.created')}</th>
                <th scope="col">{t('users.passwordChanged')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) => (
                <tr key={u.username}>
                  <th scope="row">{u.username}</th>
                  <td>{t(ROLE_KEY[u.role])}</td>
                  <td>
                    <span class={`badge ${u.disabled ? 'badge-offline' : 'badge-online'}`}>
                      {u.disabled ? t('users.disabled') : t('users.active')}
                    </span>
                  </td>
                  <td>{fmt.dateTime(u.createdAt)}</td>
                  <td>{u.passwordChangedAt ? fmt.dateTime(u.passwordChangedAt) : t('common.none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted">{t('users.cliHint')}</p>
    </>
  );
}
