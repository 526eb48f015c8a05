import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { UnauthenticatedError } from '@vigil/contracts';
import type { Request } from 'express';
import { ApiKeys, type KeyUse } from '../keys/api-keys';
import { KEY_PREFIX } from '../keys/key-format';
import { SessionStore } from '../sessions/session.store';
import { ACCESS_COOKIE, cookie } from './cookies';
import type { Principal } from './principal';

/** The credentials a request presents: `Authorization: Bearer …`, else the access cookie (and which of the two). */
export function presentedToken(headers: IncomingHttpHeaders): { token: string; via: 'header' | 'cookie' } | undefined {
  const header = headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match ? { token: match[1], via: 'header' } : undefined;
  }
  const token = cookie({ headers }, ACCESS_COOKIE);
  return token ? { token, via: 'cookie' } : undefined;
}

/** A principal and, for a session's access token, when that token expires (ms since the epoch). */
export interface Authenticated {
  principal: Principal;
  expiresAt?: number;
}

/** Who the request is from (a session's access token, or an API key `vgl_…`); UnauthenticatedError when it says nothing or nothing valid. */
@Injectable()
export class Authenticator {
  constructor(
    private readonly sessions: SessionStore,
    private readonly keys: ApiKeys,
  ) {}

  async authenticate(req: Request): Promise<Principal> {
    const presented = presentedToken(req.headers);
    if (!presented) throw new UnauthenticatedError('authentication required');
    const use: KeyUse = {
      sourceIp: req.ip ?? '',
      userAgent: req.header('user-agent') ?? '',
      requestId: String(req.res?.getHeader('x-request-id') ?? ''),
      target: req.path,
    };
    return (await this.authenticateToken(presented.token, use)).principal;
  }

  /** The same check for a token taken from elsewhere (the live API's upgrade request). */
  async authenticateToken(token: string, use: KeyUse): Promise<Authenticated> {
    if (token.startsWith(KEY_PREFIX)) {
      const key = await this.keys.authenticate(token, use);
      if (!key) throw new UnauthenticatedError('invalid, expired or revoked API key');
      const principal: Principal = {
        kind: 'key',
        id: key.id,
        role: key.role,
        owner: key.owner,
        ...(key.scope ? { scope: key.scope } : {}),
      };
      return { principal };
    }
    const session = await this.sessions.authenticate(token);
    if (!session) throw new UnauthenticatedError('invalid or expired credentials');
    return {
      principal: { kind: 'user', id: session.username, role: session.role, sessionId: session.sessionId },
      expiresAt: session.expiresAt,
    };
  }
}
