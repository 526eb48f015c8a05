import * as z from 'zod';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';
import { Role, Username } from './user.schema';

/**
 * The life of a gateway user, one aggregate per user name (`events.user.<username>`); who did
 * it is the envelope's `meta.actor`. No event carries a password or its hash: those live only in
 * the gateway's credentials table.
 */
export const UserCreated = defineEvent('user.created', {
  version: 1,
  schema: z.object({ username: Username, role: Role }),
});
export const UserRoleChanged = defineEvent('user.role_changed', {
  version: 1,
  schema: z.object({ username: Username, role: Role, previousRole: Role }),
});
export const UserDisabled = defineEvent('user.disabled', { version: 1, schema: z.object({ username: Username }) });
/** `reset`: an admin set it, rather than the user changing their own. */
export const UserPasswordChanged = defineEvent('user.password_changed', {
  version: 1,
  schema: z.object({ username: Username, reset: z.boolean() }),
});

/** The user signs in through an OpenID Provider as this identity (issuer + subject), and has no password. */
export const UserSsoLinked = defineEvent('user.sso_linked', {
  version: 1,
  schema: z.object({ username: Username, issuer: z.string().min(1).max(1024), subject: z.string().min(1).max(255) }),
});

export type UserCreatedEvent = EventOf<typeof UserCreated>;
export type UserRoleChangedEvent = EventOf<typeof UserRoleChanged>;
export type UserDisabledEvent = EventOf<typeof UserDisabled>;
export type UserPasswordChangedEvent = EventOf<typeof UserPasswordChanged>;
export type UserSsoLinkedEvent = EventOf<typeof UserSsoLinked>;
export type UserEvent =
  UserCreatedEvent | UserRoleChangedEvent | UserDisabledEvent | UserPasswordChangedEvent | UserSsoLinkedEvent;

export const userEvents = new EventCatalog<UserEvent>([
  UserCreated,
  UserRoleChanged,
  UserDisabled,
  UserPasswordChanged,
  UserSsoLinked,
]);
