import * as z from 'zod';
import { ValidationError } from '../errors';
import { describeIssues, unstorableTextIssue } from '../validation';
import { EventEnvelope } from './envelope.schema';

/**
 * One event type: the schema of each version it ever had, and an upcaster from
 * every old version to the next. Events are stored forever in the version they
 * were written with and upcast on read, so old streams stay readable.
 */
export interface EventDefinition<T extends string, S extends z.ZodType> {
  readonly type: T;
  readonly version: number;
  readonly schema: S;
  readonly versions: Readonly<Record<number, z.ZodType>>;
  readonly upcasters: Readonly<Record<number, (data: unknown) => unknown>>;
}

export function defineEvent<T extends string, S extends z.ZodType>(
  type: T,
  current: { version: number; schema: S },
  older: { version: number; schema: z.ZodType; upcast: (data: unknown) => unknown }[] = [],
): EventDefinition<T, S> {
  const versions: Record<number, z.ZodType> = { [current.version]: current.schema };
  const upcasters: Record<number, (data: unknown) => unknown> = {};
  for (const o of older) {
    versions[o.version] = o.schema;
    upcasters[o.version] = o.upcast;
  }
  for (let v = 1; v < current.version; v++) {
    if (!versions[v] || !upcasters[v]) throw new Error(`event ${type}: version ${v} has no schema or upcaster`);
  }
  return { type, version: current.version, schema: current.schema, versions, upcasters };
}

/** An event as the domain sees it: envelope with typed, current-version data. */
export type DomainEvent<T extends string = string, D = unknown> = Omit<EventEnvelope, 'type' | 'data'> & {
  type: T;
  data: D;
};

export type EventOf<D> = D extends EventDefinition<infer T, infer S> ? DomainEvent<T, z.infer<S>> : never;

export class EventCatalog<E extends DomainEvent> {
  private readonly byType = new Map<string, EventDefinition<string, z.ZodType>>();

  constructor(definitions: EventDefinition<string, z.ZodType>[]) {
    for (const d of definitions) this.byType.set(d.type, d);
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  currentVersion(type: string): number {
    const d = this.byType.get(type);
    if (!d) throw new ValidationError(`unknown event type "${type}"`);
    return d.version;
  }

  /** Validates the envelope and its data, upcasting old versions to the current one. */
  read(raw: unknown): E {
    const parsed = EventEnvelope.safeParse(raw);
    if (!parsed.success) throw new ValidationError(`invalid event envelope: ${describeIssues(parsed.error)}`);
    const env = parsed.data;
    const def = this.byType.get(env.type);
    if (!def) throw new ValidationError(`unknown event type "${env.type}"`);
    if (env.version > def.version) {
      throw new ValidationError(`event ${env.type} v${env.version} is newer than this service knows (v${def.version})`);
    }
    let data: unknown = env.data;
    for (let v = env.version; v <= def.version; v++) {
      const schema = def.versions[v];
      const r = schema.safeParse(data);
      if (!r.success) throw new ValidationError(`invalid ${env.type} v${v} data: ${describeIssues(r.error)}`);
      data = v < def.version ? def.upcasters[v](r.data) : r.data;
    }
    return { ...env, version: def.version, data } as unknown as E;
  }

  /** Validates data that is about to be written in the current version. */
  validateNew(type: string, data: unknown): unknown {
    const def = this.byType.get(type);
    if (!def) throw new ValidationError(`unknown event type "${type}"`);
    const r = def.schema.safeParse(data);
    if (!r.success) throw new ValidationError(`invalid ${type} data: ${describeIssues(r.error)}`);
    // An event is kept forever and projections write it to Postgres: never one Postgres cannot store.
    const text = unstorableTextIssue(r.data);
    if (text) throw new ValidationError(`invalid ${type} data: ${text.path.join('.')}: ${text.message}`);
    return r.data;
  }
}
