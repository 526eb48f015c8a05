import { type INestApplication, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from '@vigil/telemetry';
import { type ServiceConfig } from './config';
import { SERVICE_CONFIG } from './platform.module';
import { Observability } from './infra';
import { installProcessGuards } from './process-guards';

/** Nest's own log lines, as JSON through the service's pino logger. */
class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, stack: trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

export interface RunOptions<App extends INestApplication> {
  /** Called once the application exists and before it initialises: app-wide middleware, body parsers. */
  configure?: (app: App) => void;
}

/**
 * Creates the Nest application, listens on the configured port and stops cleanly on
 * SIGTERM/SIGINT; an unhandled rejection is logged and counted, an uncaught exception stops the
 * process for its supervisor (see installProcessGuards).
 */
export async function runService<App extends INestApplication = INestApplication>(
  module: Type<unknown>,
  options: RunOptions<App> = {},
): Promise<App> {
  const app = await NestFactory.create<App>(module, { bufferLogs: true, abortOnError: false });
  const obs = app.get(Observability);
  const config = app.get<ServiceConfig>(SERVICE_CONFIG);
  app.useLogger(new NestPinoLogger(obs.logger.child({ context: 'nest' })));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  installProcessGuards({ logger: obs.logger, registry: obs.registry, close: () => app.close() });
  options.configure?.(app);
  await app.listen(config.httpPort, '0.0.0.0');
  obs.logger.info({ port: config.httpPort }, `${config.service} listening`);
  return app;
}
