import * as z from 'zod';
import { IsoTimestamp } from '../common.schema';

/** Roles, each allowed what the one before it is: `viewer` < `operator` < `admin`. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Whether `role` is allowed what `needed` is. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * A user name: lower-case letters, digits, `_` and `-`, starting with a letter or digit. It is
 * the user aggregate's id (`events.user.<username>`), so it never changes and two users cannot
 * take the same one.
 */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const Username = z
  .string()
  .regex(USERNAME_PATTERN, 'lower-case letters, digits, "_" and "-", at most 64, starting with a letter or digit');

/** A password as a user chooses it; only its Argon2id hash is kept, never in an event. */
export const Password = z.string().min(12, 'at least 12 characters').max(1024);

export const UserView = z.object({
  username: Username,
  role: Role,
  disabled: z.boolean(),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
  updatedBy: z.string(),
  passwordChangedAt: IsoTimestamp.nullable(),
});
export type UserView = z.infer<typeof UserView>;

export const LoginRequest = z.object({ username: z.string().max(256), password: z.string().max(1024) });
export const RefreshRequest = z.object({ refreshToken: z.string().max(512).optional() });
export const CreateUserRequest = z.object({ username: Username, role: Role, password: Password });
export const ChangeRoleRequest = z.object({ role: Role });
export const ResetPasswordRequest = z.object({ password: Password });
export const ChangeOwnPasswordRequest = z.object({ currentPassword: z.string().max(1024), newPassword: Password });

/** What login and refresh answer (the same tokens are also set as httpOnly cookies). */
export const SessionTokens = z.object({
  accessToken: z.string(),
  accessTokenExpiresAt: IsoTimestamp,
  refreshToken: z.string(),
  refreshTokenExpiresAt: IsoTimestamp,
  user: z.object({ username: Username, role: Role }),
});
export type SessionTokens = z.infer<typeof SessionTokens>;
