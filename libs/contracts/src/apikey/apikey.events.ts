import * as z from 'zod';
import { IsoTimestamp, Labels } from '../common.schema';
import { LabelName, REQUEST_LIMITS } from '../request-limits';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';
import { Role } from '../user/user.schema';

/** An API key's id: 16 lower-case hex digits, public (it is not the key). */
export const ApiKeyId = z.string().regex(/^[0-9a-f]{16}$/, '16 hex digits');

/**
 * The life of an API key, one aggregate per key id (`events.apikey.<id>`); who did it is the
 * envelope's `meta.actor`. No event carries the key or its hash: the gateway keeps the hash alone.
 */
export const ApiKeyCreated = defineEvent('apikey.created', {
  version: 1,
  schema: z.object({
    keyId: ApiKeyId,
    name: z.string().min(1).max(100),
    role: Role,
    expiresAt: IsoTimestamp,
    scope: Labels.optional(),
  }),
});
export const ApiKeyRevoked = defineEvent('apikey.revoked', { version: 1, schema: z.object({ keyId: ApiKeyId }) });

export type ApiKeyCreatedEvent = EventOf<typeof ApiKeyCreated>;
export type ApiKeyRevokedEvent = EventOf<typeof ApiKeyRevoked>;
export type ApiKeyEvent = ApiKeyCreatedEvent | ApiKeyRevokedEvent;
export const apiKeyEvents = new EventCatalog<ApiKeyEvent>([ApiKeyCreated, ApiKeyRevoked]);

/**
 * What a key is limited to: nodes whose labels include all of these (`{ env: 'prod' }`). A
 * scoped key is refused on every route that cannot apply it.
 */
export const ApiKeyScope = z
  .record(LabelName, z.string().max(REQUEST_LIMITS.label_value_chars))
  .refine((l) => Object.keys(l).length >= 1 && Object.keys(l).length <= 10, {
    message: '1 to 10 labels',
  });
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

export const CreateApiKeyRequest = z.object({
  name: z.string().min(1).max(100),
  role: Role,
  /** Days until it expires (default and maximum: the gateway's configuration). */
  expiresInDays: z.number().int().min(1).optional(),
  scope: ApiKeyScope.optional(),
});

export const ApiKeyView = z.object({
  id: ApiKeyId,
  name: z.string(),
  role: Role,
  createdAt: IsoTimestamp,
  createdBy: z.string(),
  expiresAt: IsoTimestamp,
  revokedAt: IsoTimestamp.nullable(),
  lastUsedAt: IsoTimestamp.nullable(),
  scope: Labels.nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;
