import { format } from 'node:util';
import type { DiagLogger } from '@opentelemetry/api';
import type { Logger } from '../logging/logger';

/** Sends OpenTelemetry's own diagnostics (export failures, misconfiguration) to a pino logger. */
export function diagLogger(logger: Logger): DiagLogger {
  const to =
    (level: 'error' | 'warn' | 'info' | 'debug' | 'trace') =>
    (message: string, ...args: unknown[]): void =>
      logger[level](format(message, ...args));
  return { error: to('error'), warn: to('warn'), info: to('info'), debug: to('debug'), verbose: to('trace') };
}
