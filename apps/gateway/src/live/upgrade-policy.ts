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

/** express' compiled `trust proxy` (its `trust proxy fn` setting): whether the address `hop` steps from the gateway is a trusted proxy. */
export type TrustProxyFn = (address: string, hop: number) => boolean;

/**
 * The client's address and the host it asked for, as express gives REST handlers `req.ip` and
 * `req.host` under the same `trust proxy` (VIGIL_TRUST_PROXY): the socket's address, then the
 * `X-Forwarded-For` entries from the nearest one outwards for as long as the address before each
 * is a trusted proxy (proxy-addr's walk); `X-Forwarded-Host` (its first value) when the
 * connecting peer is trusted, else `Host`. Without trust (the default) no forwarded header counts.
 */
export function forwardedClient(req: IncomingMessage, trust: TrustProxyFn): { address: string; host?: string } {
  const socketAddress = req.socket.remoteAddress ?? 'unknown';
  const forwardedFor = headerValue(req.headers['x-forwarded-for']);
  const hops = [
    socketAddress,
    ...(forwardedFor ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a.length > 0)
      .reverse(),
  ];
  let address = hops[0];
  for (let i = 0; i < hops.length - 1 && trust(hops[i], i); i++) address = hops[i + 1];
  const forwardedHost = headerValue(req.headers['x-forwarded-host']);
  const host =
    forwardedHost && trust(socketAddress, 0) ? forwardedHost.split(',')[0].trim() : (req.headers.host ?? undefined);
  return { address, ...(host ? { host } : {}) };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
