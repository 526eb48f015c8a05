import * as z from 'zod';
import type { Topology } from './topology';

/** Every request/reply answer on the wire: either data or one error of the shared vocabulary. */
export const RpcError = z.object({
  type: z.enum([
    'validation',
    'not_found',
    'illegal_state',
    'concurrency',
    'limit_exceeded',
    'unavailable',
    'internal',
    'unauthenticated',
    'forbidden',
    'rate_limited',
  ]),
  message: z.string(),
  details: z.unknown().optional(),
});
export const RpcReply = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: RpcError }),
]);
export type RpcReply = z.infer<typeof RpcReply>;

/** A request/reply operation: its subject parts and the schemas of both directions. */
export interface QueryDefinition<Req extends z.ZodType, Rep extends z.ZodType> {
  /** `qry` asks (safe to retry), `cmd` changes something. */
  readonly kind: 'qry' | 'cmd';
  readonly context: string;
  readonly what: string;
  readonly request: Req;
  readonly reply: Rep;
}

/** The subject of a request/reply operation, e.g. `qry.registry.nodes-list`. */
export function operationSubject(t: Topology, def: { kind: 'qry' | 'cmd'; context: string; what: string }): string {
  return def.kind === 'qry' ? t.subjects.qry(def.context, def.what) : t.subjects.cmd(def.context, def.what);
}
