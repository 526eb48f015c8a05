import type { ComponentChildren } from 'preact';
import { useConsole } from '../app/context';
import { ForbiddenView, seesUsers } from '../users/users';

/** Whether a role sees the admin views (audit, API keys, platform status) and their navigation: admins, as the API decides. */
export const seesAdminViews = seesUsers;

/** The view for an admin; the "not allowed" page for anyone else (the API would answer them 403). */
export function AdminOnly(props: { children: ComponentChildren }) {
  const { me } = useConsole();
  return seesAdminViews(me.role) ? <>{props.children}</> : <ForbiddenView />;
}
