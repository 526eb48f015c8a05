import type { Role } from '../api/types';
import type { MessageKey } from '../i18n/messages';

export const ROLE_KEY: Record<Role, MessageKey> = {
  viewer: 'role.viewer',
  operator: 'role.operator',
  admin: 'role.admin',
};
