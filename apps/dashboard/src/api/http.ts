/**
 * The console's one way to the gateway's REST API. The session lives in the gateway's httpOnly
 * cookies (`vigil_access`, `vigil_refresh`, SameSite=Strict): this code never sees or keeps a
 * token. An answer of 401 is retried once after a refresh (one refresh at a time for every caller);
 * when that fails too, `onSessionEnded` tells the app to show the login.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The problem's `detail` (or `title`), as the gateway wrote it. */
    readonly detail: string,
    /** The problem's `errors` (a validation problem: the contract's issues, each with its `path`). */
    readonly errors?: unknown,
  ) {
    super(`${status}: ${detail}`);
  }
}

type Listener = () => void;
const sessionEndedListeners = new Set<Listener>();

/** Called when the session is gone (401 that a refresh could not mend). */
export function onSessionEnded(listener: Listener): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

type RefreshOutcome = 'renewed' | 'refused' | 'unreachable';
let refreshing: Promise<RefreshOutcome> | undefined;

function refresh(): Promise<RefreshOutcome> {
  refreshing ??= fetch('/api/v1/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: '{}',
    credentials: 'same-origin',
  })
    // The answer carries the new tokens too; the console has no use for them (the cookies hold them).
    // 401: no refresh token, or one the gateway no longer takes. Anything else (429, 5xx) ends nothing.
    .then((r): RefreshOutcome => (r.ok ? 'renewed' : r.status === 401 ? 'refused' : 'unreachable'))
    .catch((): RefreshOutcome => 'unreachable')
    .finally(() => {
      refreshing = undefined;
    });
  return refreshing;
}

/** Renews the access cookie with the refresh cookie; true when the gateway accepted it. */
export async function refreshSession(): Promise<boolean> {
  return (await refresh()) === 'renewed';
}

/**
 * The live API closed its socket because the credential is gone (4001): renews the session, and
 * when the gateway refuses that (the session was revoked, or the user disabled or changed), the
 * session has ended: `onSessionEnded` shows the login at once rather than at the next REST call.
 * A gateway that cannot be reached ends nothing (the live client stops; REST decides later).
 */
export async function renewLiveSession(): Promise<boolean> {
  const outcome = await refresh();
  if (outcome === 'refused') for (const listener of sessionEndedListeners) listener();
  return outcome === 'renewed';
}

async function problemOf(r: Response): Promise<ApiError> {
  let detail = r.statusText || 'request failed';
  let errors: unknown;
  try {
    const body = (await r.json()) as { detail?: unknown; title?: unknown; errors?: unknown };
    if (typeof body.detail === 'string') detail = body.detail;
    else if (typeof body.title === 'string') detail = body.title;
    errors = body.errors;
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(r.status, detail, errors);
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Do not try a refresh on 401 (login itself, the first check of the session). */
  noRefresh?: boolean;
}

/** A JSON request to the gateway; the parsed answer, or an ApiError. */
export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const send = () =>
    fetch(path, {
      method: options.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      credentials: 'same-origin',
      signal: options.signal,
    });
  let r = await send();
  if (r.status === 401 && !options.noRefresh) {
    if (await refreshSession()) r = await send();
    if (r.status === 401) for (const listener of sessionEndedListeners) listener();
  }
  if (!r.ok) throw await problemOf(r);
  if (r.status === 204) return undefined as T;
  return (await r.json()) as T;
}

/** A query string from parameters; arrays repeat the name, undefined is left out. */
export function query(params: Record<string, string | number | readonly string[] | undefined>): string {
  const p = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) p.append(name, v);
    else p.set(name, String(value));
  }
  return p.toString();
}
