import type { IncomingHttpHeaders } from 'node:http';
import type { CookieOptions, Request, Response } from 'express';
import type { SessionTokens } from '@vigil/contracts';

export const ACCESS_COOKIE = 'vigil_access';
export const REFRESH_COOKIE = 'vigil_refresh';
/** The refresh cookie goes only to the endpoints that use it. */
const REFRESH_PATH = '/api/v1/auth';

/** One cookie's value from the request's Cookie header. */
export function cookie(req: { headers: IncomingHttpHeaders }, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const options = (req: Request, path: string, expires: Date): CookieOptions => ({
  httpOnly: true,
  sameSite: 'strict',
  secure: req.secure,
  path,
  expires,
});

/** Both tokens as httpOnly, SameSite=Strict cookies (Secure when the request came over TLS). */
export function setSessionCookies(req: Request, res: Response, tokens: SessionTokens): void {
  res.cookie(ACCESS_COOKIE, tokens.accessToken, options(req, '/', new Date(tokens.accessTokenExpiresAt)));
  res.cookie(REFRESH_COOKIE, tokens.refreshToken, options(req, REFRESH_PATH, new Date(tokens.refreshTokenExpiresAt)));
}

export function clearSessionCookies(req: Request, res: Response): void {
  res.clearCookie(ACCESS_COOKIE, { ...options(req, '/', new Date(0)), expires: undefined });
  res.clearCookie(REFRESH_COOKIE, { ...options(req, REFRESH_PATH, new Date(0)), expires: undefined });
}
