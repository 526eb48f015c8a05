import type { IncomingMessage } from 'node:http';

/** The live API's one path. */
export const LIVE_PATH = '/ws';

/** Whether the upgrade request asks for the live API (`/ws`, any query string). */
export function isLivePath(url: string | undefined): boolean {
  if (!url) return false;
  const q = url.indexOf('?');
  return (q < 0 ? url : url.slice(0, q)) === LIVE_PATH;
}

/**
 * Whether a browser page at `origin` may open a socket with the gateway's session cookie: the
 * gateway's own origin (the `Host` the browser connected to) or one of `allowed`
 * (VIGIL_CORS_ORIGINS). Browsers always send `Origin` on a WebSocket handshake, so a cookie upgrade
 * without one is refused too: a page of another site must never ride on the cookie (cross-site
 * WebSocket hijacking; SameSite=Strict does not cover a same-site but cross-origin page).
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (!origin) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (host && url.host === hostOf(`${url.protocol}//${host}`)) return true;
  return allowed.some((a) => hostOf(a) !== undefined && new URL(a).origin === url.origin);
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** The client's address as the socket has it (no forwarded header is trusted here, as for REST's limits). */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
