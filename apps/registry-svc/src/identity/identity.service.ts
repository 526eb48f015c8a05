import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  decodePublicKey,
  type EnrollmentTokenView,
  type enrollmentTokenCommands,
  type EventMeta,
  type IdentityEvent,
  identityCommands,
  identityEvents,
  IllegalStateError,
  NotFoundError,
  uuidv7,
  ValidationError,
  type z,
} from '@vigil/contracts';
import { CommandHandler, EventStore } from '@vigil/event-store';
import { Bus, Database } from '@vigil/platform';
import {
  decideIdentity,
  evolveIdentity,
  type IdentityCommand,
  type IdentityState,
  initialIdentityState,
} from '../domain/identity/identity.decider';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

type Req<K extends keyof typeof identityCommands> = z.infer<(typeof identityCommands)[K]['request']>;
type Rep<K extends keyof typeof identityCommands> = z.infer<(typeof identityCommands)[K]['reply']>;
type TokenReq<K extends keyof typeof enrollmentTokenCommands> = z.infer<(typeof enrollmentTokenCommands)[K]['request']>;

interface TokenRow {
  id: string;
  node_id: string | null;
  note: string | null;
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  used_by_node: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  state: EnrollmentTokenView['state'];
}

/** A token's state, decided by the database's clock (the one `expires_at` was set by). */
const TOKEN_STATE = `CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN used_at IS NOT NULL THEN 'used'
  WHEN expires_at <= now() THEN 'expired' ELSE 'unused' END`;
const TOKEN_COLUMNS = `id, node_id, note, created_by, created_at, expires_at, used_at, used_by_node, revoked_at,
  revoked_by, ${TOKEN_STATE} AS state`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const tokenView = (r: TokenRow): EnrollmentTokenView => ({
  id: r.id,
  nodeId: r.node_id,
  note: r.note,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
  state: r.state,
  usedAt: iso(r.used_at),
  usedByNode: r.used_by_node,
  revokedAt: iso(r.revoked_at),
  revokedBy: r.revoked_by,
});

/** Enrollment tokens, enrollment (token + public key → node identity) and revocation. */
@Injectable()
export class IdentityService {
  private readonly commands: CommandHandler<IdentityEvent, IdentityState, IdentityCommand>;

  constructor(
    private readonly db: Database,
    bus: Bus,
  ) {
    const store = new EventStore(bus.js, bus.jsm, bus.topology, 'identity', identityEvents);
    this.commands = new CommandHandler(store, {
      decide: decideIdentity,
      evolve: evolveIdentity,
      initialState: initialIdentityState,
    });
  }

  /**
   * The token is shown once; only its hash is kept. It is bound to one node id: the one asked
   * for, else a new one issued here. Binding a node that already has a key does not let the
   * token replace that key: that takes a re-key (`allowRekey`).
   */
  async createToken(req: Req<'createEnrollmentToken'>): Promise<Rep<'createEnrollmentToken'>> {
    const token = randomBytes(32).toString('base64url');
    const id = uuidv7();
    const nodeId = req.nodeId ?? randomUUID();
    const rows = await this.db.query<{ expires_at: Date }>(
      'token_create',
      `INSERT INTO registry.enrollment_tokens (id, token_hash, note, node_id, created_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, now(), now() + make_interval(secs => $6)) RETURNING expires_at`,
      [id, hashToken(token), req.note ?? null, nodeId, req.actor ?? null, req.ttlSeconds],
    );
    return { tokenId: id, token, nodeId, expiresAt: rows[0].expires_at.toISOString() };
  }

  /**
   * Spends a one-time token on one node's key. The token row stays locked while the
   * `identity.enrolled` event is appended; if we crash in between, the node is enrolled
   * and the token still unspent, and the agent's retry (same key) completes it.
   */
  async enroll(req: Req<'enroll'>): Promise<Rep<'enroll'>> {
    try {
      decodePublicKey(req.publicKey);
    } catch (e) {
      throw new ValidationError(`invalid public key: ${(e as Error).message}`);
    }
    return this.db.dataSource.transaction(async (tx) => {
      const rows: {
        id: string;
        expires_at: Date;
        used_at: Date | null;
        used_by_node: string | null;
        node_id: string | null;
        revoked_at: Date | null;
      }[] = await tx.query(
        `SELECT id, expires_at, used_at, used_by_node, node_id, revoked_at FROM registry.enrollment_tokens
         WHERE token_hash = $1 FOR UPDATE`,
        [hashToken(req.token)],
      );
      const token = rows[0];
      if (!token) throw new ValidationError('unknown enrollment token');
      // Before anything else: a token says nothing about a node it is not bound to.
      if (token.node_id !== req.nodeId) throw new IllegalStateError('enrollment token is bound to another node');
      // Only an unused token can be revoked, so a revoked one never enrolled anything.
      if (token.revoked_at) throw new IllegalStateError('enrollment token revoked');
      if (!token.used_at && token.expires_at.getTime() < Date.now())
        throw new IllegalStateError('enrollment token expired');
      const meta: EventMeta = { correlationId: token.id, causationId: null, actor: `agent:${req.nodeId}` };
      await this.commands.handle(
        req.nodeId,
        {
          type: 'Enroll',
          nodeId: req.nodeId,
          publicKey: req.publicKey,
          tokenId: token.id,
          hostname: req.hostname,
          tokenUsed: token.used_at !== null,
        },
        meta,
      );
      // (TypeORM answers an UPDATE with [rows, count], so the time is read back separately.)
      await tx.query(
        `UPDATE registry.enrollment_tokens SET used_at = coalesce(used_at, now()), used_by_node = $2 WHERE id = $1`,
        [token.id, req.nodeId],
      );
      const used: { used_at: Date }[] = await tx.query('SELECT used_at FROM registry.enrollment_tokens WHERE id = $1', [
        token.id,
      ]);
      return { nodeId: req.nodeId, enrolledAt: used[0].used_at.toISOString() };
    });
  }

  /** Newest first, without the tokens (only their hashes are kept, and those are not shown either). */
  async listTokens(req: TokenReq<'listEnrollmentTokens'>): Promise<{ items: EnrollmentTokenView[]; total: number }> {
    const filter = `WHERE $1::text IS NULL OR ${TOKEN_STATE} = $1`;
    const rows = await this.db.query<TokenRow>(
      'tokens_list',
      `SELECT ${TOKEN_COLUMNS} FROM registry.enrollment_tokens ${filter}
       ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [req.state ?? null, req.limit, req.offset],
    );
    const count = await this.db.query<{ n: string }>(
      'tokens_count',
      `SELECT count(*) AS n FROM registry.enrollment_tokens ${filter}`,
      [req.state ?? null],
    );
    return { items: rows.map(tokenView), total: Number(count[0].n) };
  }

  /**
   * An unused token enrolls nothing from now on. The row is locked as enrollment locks it, so a
   * revocation and an enrollment with the same token are decided one after the other: either
   * the node enrolled (and revoking answers 409: revoke the node) or the token is revoked.
   */
  async revokeToken(req: TokenReq<'revokeEnrollmentToken'>): Promise<EnrollmentTokenView> {
    return this.db.dataSource.transaction(async (tx) => {
      const rows: TokenRow[] = await tx.query(
        `SELECT ${TOKEN_COLUMNS} FROM registry.enrollment_tokens WHERE id = $1 FOR UPDATE`,
        [req.tokenId],
      );
      const token = rows[0];
      if (!token) throw new NotFoundError(`enrollment token ${req.tokenId} does not exist`);
      if (token.state === 'used')
        throw new IllegalStateError(
          `enrollment token ${req.tokenId} was used: revoke node ${token.used_by_node} instead`,
        );
      if (token.state === 'revoked') throw new IllegalStateError(`enrollment token ${req.tokenId} is already revoked`);
      if (token.state === 'expired') throw new IllegalStateError(`enrollment token ${req.tokenId} has expired`);
      await tx.query(`UPDATE registry.enrollment_tokens SET revoked_at = now(), revoked_by = $2 WHERE id = $1`, [
        req.tokenId,
        req.actor,
      ]);
      const after: TokenRow[] = await tx.query(
        `SELECT ${TOKEN_COLUMNS} FROM registry.enrollment_tokens WHERE id = $1`,
        [req.tokenId],
      );
      return tokenView(after[0]);
    });
  }

  /** Lets the node's next enrollment (with a token bound to it) bring a new key. */
  async allowRekey(req: Req<'rekeyNode'>, actor: string): Promise<Rep<'rekeyNode'>> {
    const events = await this.commands.handle(
      req.nodeId,
      { type: 'AllowRekey', nodeId: req.nodeId, reason: req.reason },
      { correlationId: uuidv7(), causationId: null, actor },
    );
    return { nodeId: req.nodeId, allowedAt: events[0]?.occurredAt ?? new Date().toISOString() };
  }

  async revoke(req: Req<'revokeNode'>, actor: string): Promise<Rep<'revokeNode'>> {
    const events = await this.commands.handle(
      req.nodeId,
      { type: 'Revoke', nodeId: req.nodeId, reason: req.reason },
      { correlationId: uuidv7(), causationId: null, actor },
    );
    return { nodeId: req.nodeId, revokedAt: events[0]?.occurredAt ?? new Date().toISOString() };
  }
}
