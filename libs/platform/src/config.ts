import { describeIssues, z } from '@vigil/contracts';
import { type NatsCredentials, natsCredentialsFromEnv, natsResponderCredentials } from '@vigil/messaging';

/** What every service reads from the environment; a service extends it with its own keys. */
export const BaseEnv = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** Verify the NATS server's TLS certificate against this CA (PEM); the connection then requires TLS. */
  NATS_CA_FILE: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/vigil'),
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  VIGIL_NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .default(''),
  VIGIL_REDIS_PREFIX: z.string().default('vigil:'),
  VIGIL_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(16),
  /**
   * A read model whose checkpoint is past the end of the `EVENTS` stream (the stream was replaced,
   * or this is another bus): `refuse` stops the service with the reason; `rebuild` replays the
   * stream into an emptied read model (`npm start`'s local development platform).
   */
  VIGIL_PROJECTION_STREAM_RESET: z.enum(['refuse', 'rebuild']).default('refuse'),
  /** `qry.*` handlers one process runs at once; beyond, a request is answered busy (HTTP 503 with Retry-After). */
  VIGIL_QUERY_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(32),
  /** Seconds a busy answer tells the client to wait (Retry-After). */
  VIGIL_QUERY_RETRY_AFTER_S: z.coerce.number().int().min(1).max(3600).default(1),
  /** Connections of the pool that serves `qry.*` handlers, apart from the pool of ingest, flushes and projections. */
  VIGIL_QUERY_DB_POOL: z.coerce.number().int().min(1).max(1000).default(10),
  /** Postgres statement_timeout of the query pool's connections: a read running longer is cancelled. */
  VIGIL_QUERY_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1).max(3_600_000).default(10_000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
});
export type BaseEnv = z.infer<typeof BaseEnv>;

export interface ServiceConfig extends BaseEnv {
  service: string;
  httpPort: number;
  /**
   * This service's NATS user, from NATS_USER with NATS_PASSWORD or NATS_PASSWORD_FILE; none:
   * an anonymous connection (a server without authorization). Never logged.
   */
  natsCredentials?: NatsCredentials;
  /**
   * The user its `cmd.*`/`qry.*` handlers answer as, on a second connection
   * (`natsResponderCredentials`: NATS_RPC_USER…, else `<service>-rpc`). Never logged.
   */
  natsResponderCredentials?: NatsCredentials;
}

/**
 * Parses the environment once at boot. A bad value stops the process with a
 * message naming every offending variable (values are never echoed: they may be secrets).
 */
export function loadConfig<S extends z.ZodObject>(
  service: string,
  portVariable: string,
  defaultPort: number,
  extension: S,
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfig & z.infer<S> {
  const schema = BaseEnv.extend({
    [portVariable]: z.coerce.number().int().min(0).max(65535).default(defaultPort),
  }).extend(extension.shape);
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`${service}: invalid environment: ${describeIssues(parsed.error)}`);
  }
  let natsCredentials: NatsCredentials | undefined;
  let responder: NatsCredentials | undefined;
  try {
    natsCredentials = natsCredentialsFromEnv(env);
    responder = natsResponderCredentials(env, natsCredentials);
  } catch (e) {
    throw new Error(`${service}: invalid environment: ${(e as Error).message}`);
  }
  const data = parsed.data as Record<string, unknown>;
  return {
    ...(data as BaseEnv & z.infer<S>),
    service,
    httpPort: data[portVariable] as number,
    natsCredentials,
    natsResponderCredentials: responder,
  };
}
