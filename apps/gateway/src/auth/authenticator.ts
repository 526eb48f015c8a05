import { Injectable } from '@nestjs/common';
import { UnauthenticatedError } from '@vigil/contracts';
import type { Request } from 'express';
import { ApiKeys } from '../keys/api-keys';
import { KEY_PREFIX } from '../keys/key-format';
import { SessionStore } from '../sessions/session.store';
import { ACCESS_COOKIE, cookie } from './cookies';
import type { Principal } from './principal';

/** The credentials a request presents: `Authorization: Bearer …`, else the access cookie. */
export function presentedToken(req: Request): string | undefined {
  const header = req.header('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1];
  }
  return cookie(req, ACCESS_COOKIE);
}

/** Who the request is from (a session's access token, or an API key `vgl_…`); UnauthenticatedError when it says nothing or nothing valid. */
@Injectable()
export class Authenticator {
  constructor(
    private readonly sessions: SessionStore,
    private readonly keys: ApiKeys,
  ) {}

  async authenticate(req: Request): Promise<Principal> {
    const token = presentedToken(req);
    if (!token) throw new UnauthenticatedError('authentication required');
    if (token.startsWith(KEY_PREFIX)) {
      const key = await this.keys.authenticate(token, req);
      if (!key) throw new UnauthenticatedError('invalid, expired or revoked API key');
      return { kind: 'key', id: key.id, role: key.role, owner: key.owner, ...(key.scope ? { scope: key.scope } : {}) };
    }
    const session = await this.sessions.authenticate(token);
    if (!session) throw new UnauthenticatedError('invalid or expired credentials');
    return { kind: 'user', id: session.username, role: session.role, sessionId: session.sessionId };
  }
}
