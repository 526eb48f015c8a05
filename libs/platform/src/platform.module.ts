import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { z } from '@vigil/contracts';
import { type DependencyCheck, HealthChecker } from '@vigil/telemetry';
import { loadConfig, type ServiceConfig } from './config';
import { HealthController, MetricsController } from './http/health.controller';
import { HttpObservabilityMiddleware } from './http/http-observability.middleware';
import { Bus, Cache, Database, type DatabaseOptions, Observability } from './infra';
import { SERVICE_CONFIG } from './service-config.token';
import { untilAvailable } from './startup-wait';
import { StatusResponder } from './status-responder';

export { SERVICE_CONFIG };

export interface PlatformOptions<S extends z.ZodObject> {
  service: string;
  /** e.g. `VIGIL_REGISTRY_PORT`, read with `defaultPort` as the fallback. */
  portVariable: string;
  defaultPort: number;
  /** The service's own environment keys. */
  env?: S;
  database: DatabaseOptions;
}

@Injectable()
class PlatformLifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    private readonly cache: Cache,
    private readonly obs: Observability,
  ) {}

  /** A consumer waiting to park a message (the DLQ failing) stops waiting, so its worker can stop. */
  beforeApplicationShutdown(): void {
    this.bus.dlq.close();
  }

  /** Runs after every service's beforeApplicationShutdown hook has stopped its workers. */
  async onApplicationShutdown(signal?: string): Promise<void> {
    this.obs.logger.info({ signal }, 'shutting down');
    await Promise.allSettled([this.bus.close(), this.db.close(), this.cache.close()]);
  }
}

/**
 * Connections, configuration, logs, metrics and health for one service. Global,
 * so a feature module injects `Bus`, `Database`, `Cache` or `Observability` directly.
 */
@Global()
@Module({})
export class PlatformModule implements NestModule {
  static forRoot<S extends z.ZodObject>(opts: PlatformOptions<S>): DynamicModule {
    const config = loadConfig(opts.service, opts.portVariable, opts.defaultPort, opts.env ?? z.object({}));
    const obs = Observability.create(config);
    const wait = { logger: obs.logger };
    return {
      module: PlatformModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: Observability, useValue: obs },
        // A dependency down at start is waited for (not ready meanwhile), as it is when it fails later.
        { provide: Bus, useFactory: () => untilAvailable('nats', () => Bus.connect(config, obs), wait) },
        {
          provide: Database,
          useFactory: () => untilAvailable('postgres', () => Database.connect(config, obs, opts.database), wait),
        },
        {
          provide: Cache,
          useFactory: async () => {
            const cache = Cache.create(config, obs);
            await untilAvailable('redis', () => cache.redis.ping(), wait);
            return cache;
          },
        },
        {
          provide: HealthChecker,
          inject: [Bus, Database, Cache],
          useFactory: (bus: Bus, db: Database, cache: Cache) => new HealthChecker(dependencyChecks(bus, db, cache)),
        },
        PlatformLifecycle,
        HttpObservabilityMiddleware,
        StatusResponder,
      ],
      exports: [SERVICE_CONFIG, Observability, Bus, Database, Cache, HealthChecker, StatusResponder],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpObservabilityMiddleware).forRoutes('*path');
  }
}

function dependencyChecks(bus: Bus, db: Database, cache: Cache): DependencyCheck[] {
  return [
    {
      name: 'nats',
      check: async () => {
        for (const nc of new Set([bus.nc, bus.responder])) {
          if (nc.isClosed()) throw new Error('connection closed');
          await nc.flush();
        }
      },
    },
    { name: 'postgres', check: async () => void (await db.dataSource.query('SELECT 1')) },
    {
      name: 'redis',
      check: async () => {
        if (cache.redis.status !== 'ready') throw new Error(`connection ${cache.redis.status}`);
        await cache.redis.ping();
      },
    },
  ];
}

/** Injects the service's typed configuration. */
export const InjectConfig = () => Inject(SERVICE_CONFIG);
export type { ServiceConfig };
