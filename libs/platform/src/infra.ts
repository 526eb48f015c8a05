import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection, errors as natsErrors } from '@nats-io/nats-core';
import {
  createTopology,
  ensureStreams,
  isNatsRespondingIdentity,
  MissingStreamError,
  type Topology,
  UnavailableError,
  verifyStreams,
} from '@vigil/contracts';
import { connectNats, currentQuery, DeadLetters, QueryLimiter, type RpcServerDeps } from '@vigil/messaging';
import {
  createDbMetrics,
  createDlqMetrics,
  createHttpMetrics,
  createLogger,
  createMetricsRegistry,
  createNatsMetrics,
  type Logger,
  redactUrl,
} from '@vigil/telemetry';
import { Redis } from 'ioredis';
import type { PoolClient } from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { Registry } from 'prom-client';
import { DataSource, type EntityManager, type MigrationInterface } from 'typeorm';
import { BusReaders } from './bus-readers';
import type { ServiceConfig } from './config';

/** Logs and metrics of one process; every other piece takes what it needs from here. */
export class Observability {
  readonly registry: Registry;
  readonly nats: ReturnType<typeof createNatsMetrics>;
  readonly db: ReturnType<typeof createDbMetrics>;
  readonly dlq: ReturnType<typeof createDlqMetrics>;
  readonly http: ReturnType<typeof createHttpMetrics>;

  constructor(
    readonly service: string,
    readonly logger: Logger,
  ) {
    this.registry = createMetricsRegistry(service);
    this.nats = createNatsMetrics(this.registry);
    this.db = createDbMetrics(this.registry);
    this.dlq = createDlqMetrics(this.registry, service);
    this.http = createHttpMetrics(this.registry);
  }

  static create(config: ServiceConfig): Observability {
    return new Observability(config.service, createLogger({ service: config.service, level: config.LOG_LEVEL }));
  }
}

/**
 * The message bus: connection, JetStream, the deployment's names and this service's dead letters.
 * Requests are answered on a second connection, `responder` (the service's responder user, the
 * only one with `allow_responses`: see `natsResponderUser`); everything else uses `nc`.
 */
export class Bus {
  /** This process's stream readers, for its status (`qry.<context>.status`). */
  readonly readers = new BusReaders();

  constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly topology: Topology,
    readonly dlq: DeadLetters,
    /** The cap of this process' `qry.*` handlers (VIGIL_QUERY_CONCURRENCY), shared by all of them. */
    readonly queries: QueryLimiter = new QueryLimiter(32),
    /** What a projection does when its checkpoint is past the end of `EVENTS` (VIGIL_PROJECTION_STREAM_RESET). */
    readonly onStreamReset: 'refuse' | 'rebuild' = 'refuse',
    /** The connection `serveQuery` subscribes and answers on; absent: `nc`. */
    readonly responder: NatsConnection = nc,
  ) {}

  static async connect(config: ServiceConfig, obs: Observability): Promise<Bus> {
    const nc = await connectNats({
      url: config.NATS_URL,
      name: `${config.service}:${process.pid}`,
      logger: obs.logger,
      credentials: config.natsCredentials,
      caFile: config.NATS_CA_FILE,
    });
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const topology = createTopology(config.VIGIL_NATS_PREFIX, config.VIGIL_PARTITIONS);
    await useStreams(jsm, topology, config.natsCredentials !== undefined).catch(async (e: unknown) => {
      await nc.close();
      throw e;
    });
    // Only the services answer requests; the gateway asks on `nc`.
    const responder = !isNatsRespondingIdentity(config.service)
      ? nc
      : await connectNats({
          url: config.NATS_URL,
          name: `${config.service}:${process.pid}:rpc`,
          logger: obs.logger,
          credentials: config.natsResponderCredentials,
          caFile: config.NATS_CA_FILE,
        }).catch(async (e: unknown) => {
          await nc.close();
          throw new Error(
            `cannot connect to NATS as ${config.natsResponderCredentials?.user ?? 'anonymous'} (requests): ${(e as Error).message}`,
            { cause: e },
          );
        });
    const dlq = new DeadLetters(js, topology, config.service, obs.dlq.messages, {
      failures: obs.dlq.parkFailures,
      logger: obs.logger,
      maxPayload: () => nc.info?.max_payload,
    });
    return new Bus(
      nc,
      js,
      jsm,
      topology,
      dlq,
      new QueryLimiter(config.VIGIL_QUERY_CONCURRENCY, config.VIGIL_QUERY_RETRY_AFTER_S, obs.nats.queriesInFlight),
      config.VIGIL_PROJECTION_STREAM_RESET,
      responder,
    );
  }

  async close(): Promise<void> {
    this.dlq.close();
    // Requests first: none is taken that the bus could no longer serve.
    if (this.responder !== this.nc && !this.responder.isClosed()) await this.responder.drain();
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

/**
 * Provisioning and using are separate: an authenticated service only checks that its streams
 * exist (STREAM.INFO), since only the admin identity may manage them; an anonymous connection (a
 * local server without authorization) creates them, as before.
 */
async function useStreams(jsm: JetStreamManager, topology: Topology, authenticated: boolean): Promise<void> {
  if (!authenticated) return ensureStreams(jsm, topology);
  let missing: MissingStreamError;
  try {
    return await verifyStreams(jsm, topology);
  } catch (e) {
    if (isPermissionViolation(e)) {
      throw new MissingStreamError(`this NATS user may not read the streams' info (${(e as Error).message})`);
    }
    if (!(e instanceof MissingStreamError)) throw e;
    missing = e;
  }
  // A user that may manage streams (admin) still creates them.
  await ensureStreams(jsm, topology).catch((e: unknown) => {
    throw isPermissionViolation(e) ? missing : e;
  });
}

/** nats.js reports a refused request as the violation itself or as a RequestError caused by it. */
function isPermissionViolation(e: unknown): boolean {
  return (
    e instanceof natsErrors.PermissionViolationError ||
    (e instanceof Error && e.cause instanceof natsErrors.PermissionViolationError)
  );
}

/** What `serveQuery` needs, from this process's bus and instruments. */
export function rpcServerDeps(bus: Bus, obs: Observability): RpcServerDeps {
  return {
    nc: bus.responder,
    topology: bus.topology,
    logger: obs.logger,
    messages: obs.nats.messages,
    duration: obs.nats.handlerDuration,
    queries: bus.queries,
    refused: obs.nats.repliesRefused,
  };
}

export interface DatabaseOptions {
  /** The one schema this service owns. */
  schema: string;
  migrations: (new () => MigrationInterface)[];
  /** Connections in the pool of writes, projections and background work (default 10). */
  poolMax?: number;
}

/** Postgres' code for a statement cancelled by statement_timeout (or a cancel request). */
const QUERY_CANCELED = '57014';

/**
 * This service's Postgres schema through two pools: one for writes, projections and
 * background work, and one for `qry.*` handlers (VIGIL_QUERY_DB_POOL connections with
 * VIGIL_QUERY_STATEMENT_TIMEOUT_MS as their statement_timeout), so a slow or numerous read
 * neither holds the flushes' connections nor runs without end. Code running inside a query
 * handler (`currentQuery()`) gets the query pool from `query` and `source` without asking.
 * Every query is timed into vigil_db_query_duration_seconds.
 */
export class Database {
  constructor(
    readonly dataSource: DataSource,
    readonly schema: string,
    private readonly obs: Observability,
    /** The pool of `qry.*` handlers; absent: they share `dataSource`. */
    readonly queryDataSource?: DataSource,
    readonly statementTimeoutMs?: number,
  ) {}

  static async connect(config: ServiceConfig, obs: Observability, opts: DatabaseOptions): Promise<Database> {
    const dataSource = new DataSource({
      type: 'postgres',
      url: config.DATABASE_URL,
      schema: opts.schema,
      migrations: opts.migrations,
      migrationsTableName: 'migrations',
      migrationsTransactionMode: 'each',
      synchronize: false,
      logging: false,
      extra: { max: opts.poolMax ?? 10, application_name: config.service },
    });
    await dataSource.initialize().catch((e: Error) => {
      throw new Error(`cannot connect to ${redactUrl(config.DATABASE_URL)}: ${e.message}`, { cause: sqlState(e) });
    });
    await migrate(dataSource, opts.schema, obs.logger);
    const timeout = config.VIGIL_QUERY_STATEMENT_TIMEOUT_MS ?? 10_000;
    const queries = new DataSource({
      type: 'postgres',
      url: config.DATABASE_URL,
      schema: opts.schema,
      synchronize: false,
      logging: false,
      extra: {
        max: config.VIGIL_QUERY_DB_POOL ?? 10,
        application_name: `${config.service}:queries`,
        // node-postgres sends it in the startup message: every statement of these connections has it.
        statement_timeout: timeout,
        // A reader that left a transaction open must not hold its locks for long either.
        idle_in_transaction_session_timeout: Math.max(timeout, 1000),
      },
    });
    await queries.initialize().catch(async (e: Error) => {
      await dataSource.destroy();
      throw new Error(`cannot connect to ${redactUrl(config.DATABASE_URL)} (query pool): ${e.message}`, {
        cause: sqlState(e),
      });
    });
    return new Database(dataSource, opts.schema, obs, queries, timeout);
  }

  /** The pool for the code running now: a `qry.*` handler's reads go to the query pool. */
  get source(): DataSource {
    return currentQuery() !== undefined && this.queryDataSource ? this.queryDataSource : this.dataSource;
  }

  async query<T>(operation: string, sql: string, params: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    const end = this.obs.db.queryDuration.startTimer({ operation });
    try {
      return await (manager ?? this.source.manager).query(sql, params);
    } catch (e) {
      throw this.cancelled(e, operation);
    } finally {
      end();
    }
  }

  /** A statement cancelled by the query pool's statement_timeout, as an answer a client can read (503). */
  cancelled(e: unknown, operation: string): unknown {
    if ((e as { code?: unknown } | null)?.code !== QUERY_CANCELED || currentQuery() === undefined) return e;
    this.obs.logger.warn({ operation, query: currentQuery(), timeoutMs: this.statementTimeoutMs }, 'query cancelled');
    return new UnavailableError(
      `the query was cancelled after the statement timeout of ${this.statementTimeoutMs} ms ` +
        '(VIGIL_QUERY_STATEMENT_TIMEOUT_MS); narrow the query or try again',
    );
  }

  /**
   * Streams `data` into a `COPY … FROM STDIN` statement on the transaction's connection (in
   * the format the statement names; binary spares both sides formatting and parsing numbers).
   */
  async copyFrom(operation: string, sql: string, data: Uint8Array, manager: EntityManager): Promise<void> {
    if (!manager.queryRunner) throw new Error('copyFrom needs the entity manager of a transaction');
    const end = this.obs.db.queryDuration.startTimer({ operation });
    try {
      const client = (await manager.queryRunner.connect()) as PoolClient;
      await new Promise<void>((resolve, reject) => {
        const stream = client.query(copyFromStdin(sql));
        stream.on('finish', resolve);
        stream.on('error', reject);
        stream.end(data);
      });
    } finally {
      end();
    }
  }

  async close(): Promise<void> {
    if (this.queryDataSource?.isInitialized) await this.queryDataSource.destroy();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * Runs pending migrations under an advisory lock keyed by the schema, so replicas
 * starting together migrate once and the others wait.
 */
async function migrate(dataSource: DataSource, schema: string, logger: Logger): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`vigil-migrate:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) logger.info({ schema, migrations: applied.map((m) => m.name) }, 'migrations applied');
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`vigil-migrate:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

/** Redis with this deployment's key prefix (so tests and installations never share keys). */
export class Cache {
  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {}

  static create(config: ServiceConfig, obs: Observability): Cache {
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, connectionName: config.service });
    redis.on('error', (e: Error) => obs.logger.warn({ err: { message: e.message } }, 'redis connection error'));
    return new Cache(redis, config.VIGIL_REDIS_PREFIX);
  }

  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * The cause of a wrapped connection error: its message and Postgres' SQLSTATE (57P03: starting
 * up, for the startup wait), not the error itself, whose other fields may hold the URL.
 */
function sqlState(e: Error): Error {
  const code = (e as Error & { code?: unknown }).code;
  return Object.assign(new Error(e.message), typeof code === 'string' ? { code } : {});
}
