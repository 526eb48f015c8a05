import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  type ApiKeyEvent,
  apiKeyEvents,
  type ApiKeyView,
  type Labels,
  type Role,
  ValidationError,
} from '@vigil/contracts';
import { CommandHandler, commandMeta, EventStore } from '@vigil/event-store';
import { Bus, Database, InjectConfig, Observability, ReadModel, type ServiceConfig } from '@vigil/platform';
import { AuditLog } from '../audit/audit-log';
import type { GatewayEnv } from '../config';
import { apiKeyDecider, type ApiKeyCommand, type ApiKeyState } from '../domain/apikey/apikey.decider';
import { apiKeysProjection } from './api-keys.projection';
import { generateApiKey, wellFormedApiKey } from './key-format';

interface KeyRow {
  id: string;
  name: string;
  role: Role;
  created_at: Date;
  created_by: string;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  scope: Labels | null;
}

/** Where a key was used, for its audit record (`key.used`): the caller's address, user agent, request id and path. */
export interface KeyUse {
  sourceIp: string;
  userAgent: string;
  requestId: string;
  target: string;
}

const DAY_MS = 86_400_000;
/** A key's last use is written (and audited as `key.used`) at most this often. */
const USE_RECORDED_EVERY = '1 minute';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * API keys: created and revoked through the event store (`events.apikey.<id>`), listed from
 * `gateway.api_keys`, checked by the SHA-256 of the key in `gateway.api_key_secrets`. Every
 * request with a key looks it up, so a revocation holds from the next request on.
 */
@Injectable()
export class ApiKeys extends ReadModel<ApiKeyEvent> {
  private readonly handler: CommandHandler<ApiKeyEvent, ApiKeyState, ApiKeyCommand>;

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    private readonly audit: AuditLog,
    obs: Observability,
    @InjectConfig() private readonly config: ServiceConfig & GatewayEnv,
  ) {
    super({ bus, db, obs }, 'gateway', 'apikey', () => apiKeysProjection, 'init');
    this.handler = new CommandHandler(
      new EventStore(bus.js, bus.jsm, bus.topology, 'apikey', apiKeyEvents),
      apiKeyDecider,
    );
  }

  /** A new key; the answer is the only place the key itself ever appears. */
  async create(
    request: { name: string; role: Role; expiresInDays?: number; scope?: Labels },
    actor: string,
    now = Date.now(),
  ): Promise<ApiKeyView & { key: string }> {
    const days = request.expiresInDays ?? this.config.VIGIL_API_KEY_DEFAULT_DAYS;
    if (days > this.config.VIGIL_API_KEY_MAX_DAYS)
      throw new ValidationError(`expiresInDays: at most ${this.config.VIGIL_API_KEY_MAX_DAYS}`);
    const keyId = randomBytes(8).toString('hex');
    const key = generateApiKey();
    const expiresAt = new Date(now + days * DAY_MS).toISOString();
    const { name, role, scope } = request;
    await this.run({ type: 'CreateKey', keyId, name, role, expiresAt, scope }, actor);
    await this.db.query(
      'api_key_secret_set',
      'INSERT INTO gateway.api_key_secrets (key_id, token_hash) VALUES ($1, $2)',
      [keyId, sha256(key)],
    );
    const [view] = await this.select('WHERE k.id = $1', [keyId]);
    return { ...view, key };
  }

  async revoke(keyId: string, actor: string): Promise<ApiKeyView> {
    await this.run({ type: 'RevokeKey', keyId }, actor);
    return (await this.select('WHERE k.id = $1', [keyId]))[0];
  }

  async list(): Promise<ApiKeyView[]> {
    await this.runner.catchUp(this.bus.jsm);
    return this.select('ORDER BY k.created_at', []);
  }

  /**
   * The key's id, role and creator when `token` is a live key (not revoked, not expired);
   * undefined otherwise. Its use is recorded (last use, and `key.used` in the audit trail) at
   * most once a minute.
   */
  async authenticate(
    token: string,
    use: KeyUse,
  ): Promise<{ id: string; role: Role; owner: string; scope?: Labels } | undefined> {
    if (!wellFormedApiKey(token)) return undefined;
    const [row] = await this.db.query<{ id: string; role: Role; created_by: string; scope: Labels | null }>(
      'api_key_authenticate',
      `SELECT k.id, k.role, k.created_by, k.scope FROM gateway.api_key_secrets s JOIN gateway.api_keys k ON k.id = s.key_id
       WHERE s.token_hash = $1 AND k.revoked_at IS NULL AND k.expires_at > now()`,
      [sha256(token)],
    );
    if (!row) return undefined;
    const used = await this.db.query(
      'api_key_used',
      `WITH used AS (
         UPDATE gateway.api_key_secrets SET last_used_at = now()
         WHERE key_id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '${USE_RECORDED_EVERY}')
         RETURNING key_id)
       SELECT key_id FROM used`,
      [row.id],
    );
    if (used.length > 0)
      await this.audit.record({
        actor: `key:${row.id}`,
        sourceIp: use.sourceIp.slice(0, 64),
        userAgent: use.userAgent.slice(0, 512),
        requestId: use.requestId.slice(0, 128),
        action: 'key.used',
        target: use.target.slice(0, 1024),
        status: 0,
        outcome: 'success',
      });
    return { id: row.id, role: row.role, owner: row.created_by, ...(row.scope ? { scope: row.scope } : {}) };
  }

  /** Which of `keyIds` are still live (not revoked, not expired): one query for all of them (the live API's re-check). */
  async stillLive(keyIds: readonly string[]): Promise<Set<string>> {
    if (keyIds.length === 0) return new Set();
    const rows = await this.db.query<{ id: string }>(
      'api_keys_still_live',
      'SELECT id FROM gateway.api_keys WHERE id = ANY($1::text[]) AND revoked_at IS NULL AND expires_at > now()',
      [keyIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  private async run(command: ApiKeyCommand, actor: string): Promise<void> {
    const events = await this.handler.handle(command.keyId, command, commandMeta(actor));
    const last = events.at(-1);
    if (last) await this.runner.waitFor(last.seq);
  }

  private async select(tail: string, params: unknown[]): Promise<ApiKeyView[]> {
    const rows = await this.db.query<KeyRow>(
      'api_keys_select',
      `SELECT k.id, k.name, k.role, k.created_at, k.created_by, k.expires_at, k.revoked_at, k.scope, s.last_used_at
       FROM gateway.api_keys k LEFT JOIN gateway.api_key_secrets s ON s.key_id = k.id ${tail}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      role: r.role,
      createdAt: r.created_at.toISOString(),
      createdBy: r.created_by,
      expiresAt: r.expires_at.toISOString(),
      revokedAt: r.revoked_at?.toISOString() ?? null,
      lastUsedAt: r.last_used_at?.toISOString() ?? null,
      scope: r.scope,
    }));
  }
}
