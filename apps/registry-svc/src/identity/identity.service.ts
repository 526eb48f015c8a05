import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  decodePublicKey,
  type EventMeta,
  type IdentityEvent,
  identityCommands,
  identityEvents,
  IllegalStateError,
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
      `INSERT INTO registry.enrollment_tokens (id, token_hash, note, node_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, now(), now() + make_interval(secs => $5)) RETURNING expires_at`,
      [id, hashToken(token), req.note ?? null, nodeId, req.ttlSeconds],
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
      }[] = await tx.query(
        `SELECT id, expires_at, used_at, used_by_node, node_id FROM registry.enrollment_tokens
         WHERE token_hash = $1 FOR UPDATE`,
        [hashToken(req.token)],
      );
      const token = rows[0];
      if (!token) throw new ValidationError('unknown enrollment token');
      // Before anything else: a token says nothing about a node it is not bound to.
      if (token.node_id !== req.nodeId) throw new IllegalStateError('enrollment token is bound to another node');
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
