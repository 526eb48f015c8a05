import type { ApiKeyView } from '../api/types';

export type KeyState = 'active' | 'revoked' | 'expired';

export function keyState(k: ApiKeyView, now: number): KeyState {
  if (k.revokedAt) return 'revoked';
  return Date.parse(k.expiresAt) <= now ? 'expired' : 'active';
}

/** Live keys first (newest first), then the others (newest first). */
export function sortKeys(keys: readonly ApiKeyView[], now: number): ApiKeyView[] {
  const rank = (k: ApiKeyView) => (keyState(k, now) === 'active' ? 0 : 1);
  return [...keys].sort((a, b) => rank(a) - rank(b) || b.createdAt.localeCompare(a.createdAt));
}

/** The API's bounds on a key (CreateApiKeyRequest; the gateway's VIGIL_API_KEY_MAX_DAYS is 365 by default). */
export const KEY_NAME_MAX = 100;
export const KEY_DAYS_MAX = 365;
/** Labels of a scope the console accepts (the API bounds them too). */
export const SCOPE_LABELS_MAX = 32;

export type ScopeParse = { ok: true; scope?: Record<string, string> } | { ok: false; bad: string };

/** `env=prod, team=web` → `{ env: 'prod', team: 'web' }`; empty → no scope; the first part that is not `name=value` is named. */
export function parseScope(text: string): ScopeParse {
  const parts = text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return { ok: true };
  if (parts.length > SCOPE_LABELS_MAX) return { ok: false, bad: parts[SCOPE_LABELS_MAX] };
  const labels = new Map<string, string>();
  for (const part of parts) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(part);
    if (!m || labels.has(m[1])) return { ok: false, bad: part };
    labels.set(m[1], m[2]);
  }
  // fromEntries defines each name as an own property, `__proto__` included (an assignment would not).
  return { ok: true, scope: Object.fromEntries(labels) };
}
