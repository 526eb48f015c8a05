import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Role, type SessionTokens, UnauthenticatedError } from '@vigil/contracts';
import { Cache, Database, InjectConfig, type ServiceConfig } from '@vigil/platform';
import type { GatewayEnv } from '../config';
import { signAccessToken, verifyAccessToken } from './access-token';
import { AuthKeys } from './auth-keys';

/** A live session as Redis holds it: the user and the role they act with. */
export interface SessionRecord {
  username: string;
  role: Role;
}

interface RefreshRow {
  session_id: string;
  username: string;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Sessions. A session lives in Redis (`<prefix>session:<id>`) for as long as its refresh tokens
 * may; every request looks it up, so deleting the key revokes the session at once on every
 * replica. Refresh tokens are kept hashed (SHA-256: they are 256 random bits) in
 * `gateway.refresh_tokens`, one row per token, a session's rows being one family: each refresh
 * rotates the token, and presenting one already rotated revokes the family (it was stolen, or
 * the client is confused; either way nobody keeps the session).
 */
@Injectable()
export class SessionStore {
  constructor(
    private readonly cache: Cache,
    private readonly db: Database,
    private readonly keys: AuthKeys,
    @InjectConfig() private readonly config: ServiceConfig & GatewayEnv,
  ) {}

  async open(user: SessionRecord, now = Date.now()): Promise<SessionTokens> {
    const sessionId = randomBytes(16).toString('base64url');
    await this.cache.redis.set(
      this.key(sessionId),
      JSON.stringify(user),
      'PX',
      this.config.VIGIL_AUTH_REFRESH_TTL_S * 1000,
    );
    const refresh = await this.issueRefresh(sessionId, user.username, now);
    return this.tokens(sessionId, user, refresh, now);
  }

  /** The session of a valid access token (and when the token expires), or undefined when the token is bad or the session gone. */
  async authenticate(
    accessToken: string,
    now = Date.now(),
  ): Promise<(SessionRecord & { sessionId: string; expiresAt: number }) | undefined> {
    const claims = verifyAccessToken(accessToken, this.keys.accessKey, now);
    if (!claims) return undefined;
    const raw = await this.cache.redis.get(this.key(claims.sid));
    if (!raw) return undefined;
    const record = JSON.parse(raw) as SessionRecord;
    return record.username === claims.sub ? { ...record, sessionId: claims.sid, expiresAt: claims.exp } : undefined;
  }

  /**
   * Which of `sessionIds` are still open, each with the user and role it holds: one MGET for all
   * of them (the live API checks its sockets' sessions with it every couple of seconds).
   */
  async stillOpen(sessionIds: readonly string[]): Promise<Map<string, SessionRecord>> {
    const open = new Map<string, SessionRecord>();
    if (sessionIds.length === 0) return open;
    const raws = await this.cache.redis.mget(...sessionIds.map((id) => this.key(id)));
    raws.forEach((raw, i) => {
      if (raw) open.set(sessionIds[i], JSON.parse(raw) as SessionRecord);
    });
    return open;
  }

  /** Trades a refresh token for new tokens; a rotated token presented again revokes its whole family. */
  async refresh(refreshToken: string, now = Date.now()): Promise<SessionTokens> {
    const refused = new UnauthenticatedError('invalid or expired refresh token');
    const outcome = await this.db.dataSource.transaction(async (tx) => {
      const [row] = (await tx.query(
        `SELECT session_id, username, expires_at, rotated_at, revoked_at FROM gateway.refresh_tokens
         WHERE token_hash = $1 FOR UPDATE`,
        [sha256(refreshToken)],
      )) as RefreshRow[];
      if (!row || row.revoked_at) return { refused: true as const };
      if (row.rotated_at) {
        await tx.query(
          'UPDATE gateway.refresh_tokens SET revoked_at = $2 WHERE session_id = $1 AND revoked_at IS NULL',
          [row.session_id, new Date(now)],
        );
        return { refused: true as const, reused: row.session_id };
      }
      if (row.expires_at.getTime() <= now) return { refused: true as const };
      const raw = await this.cache.redis.get(this.key(row.session_id));
      if (!raw) return { refused: true as const };
      await tx.query('UPDATE gateway.refresh_tokens SET rotated_at = $2 WHERE token_hash = $1', [
        sha256(refreshToken),
        new Date(now),
      ]);
      return { sessionId: row.session_id, user: JSON.parse(raw) as SessionRecord };
    });
    if ('refused' in outcome) {
      if (outcome.reused) await this.cache.redis.del(this.key(outcome.reused));
      throw refused;
    }
    await this.cache.redis.pexpire(this.key(outcome.sessionId), this.config.VIGIL_AUTH_REFRESH_TTL_S * 1000);
    const refresh = await this.issueRefresh(outcome.sessionId, outcome.user.username, now);
    return this.tokens(outcome.sessionId, outcome.user, refresh, now);
  }

  /** Ends one session (logout). */
  async close(sessionId: string, now = Date.now()): Promise<void> {
    await this.db.query(
      'session_revoke',
      'UPDATE gateway.refresh_tokens SET revoked_at = $2 WHERE session_id = $1 AND revoked_at IS NULL',
      [sessionId, new Date(now)],
    );
    await this.cache.redis.del(this.key(sessionId));
  }

  /** Ends every session of a user (but `except`); how many were ended. */
  async revokeUser(username: string, except?: string, now = Date.now()): Promise<number> {
    const rows = await this.db.query<{ session_id: string }>(
      'sessions_revoke_user',
      // A SELECT around the UPDATE: TypeORM answers an UPDATE … RETURNING as [rows, count].
      `WITH revoked AS (
         UPDATE gateway.refresh_tokens SET revoked_at = $3
         WHERE username = $1 AND revoked_at IS NULL AND session_id IS DISTINCT FROM $2::text
         RETURNING session_id)
       SELECT DISTINCT session_id FROM revoked`,
      [username, except ?? null, new Date(now)],
    );
    const sessions = rows.map((r) => r.session_id);
    if (sessions.length) await this.cache.redis.del(...sessions.map((s) => this.key(s)));
    return sessions.length;
  }

  private key(sessionId: string): string {
    return this.cache.key('session', sessionId);
  }

  private async issueRefresh(sessionId: string, username: string, now: number) {
    const token = `vrt1_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(now + this.config.VIGIL_AUTH_REFRESH_TTL_S * 1000);
    await this.db.query(
      'refresh_issue',
      `INSERT INTO gateway.refresh_tokens (token_hash, session_id, username, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [sha256(token), sessionId, username, new Date(now), expiresAt],
    );
    return { token, expiresAt };
  }

  private tokens(
    sessionId: string,
    user: SessionRecord,
    refresh: { token: string; expiresAt: Date },
    now: number,
  ): SessionTokens {
    const exp = now + this.config.VIGIL_AUTH_ACCESS_TTL_S * 1000;
    return {
      accessToken: signAccessToken({ sid: sessionId, sub: user.username, exp }, this.keys.accessKey),
      accessTokenExpiresAt: new Date(exp).toISOString(),
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.expiresAt.toISOString(),
      user: { username: user.username, role: user.role },
    };
  }
}
