/** The admin views, one chunk the console loads only when an admin opens one of them (admin-view.tsx). */
export { AuditView } from './audit-view';
export { KeysView } from './keys-view';
export { StatusView } from './status-view';
