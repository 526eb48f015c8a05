import { hostname } from 'node:os';
import pino from 'pino';
import { activeSpanContext } from '../tracing/active-span';
import { redactLogLine } from './redact';

export type Logger = pino.Logger;

export interface LoggerOptions {
  service: string;
  /** Defaults to env `LOG_LEVEL`, else `info`. */
  level?: string;
  /** Defaults to stdout. */
  destination?: pino.DestinationStream;
  base?: Record<string, unknown>;
}

/**
 * JSON lines: `time` (ISO 8601), `level` (label), `msg`, `service`, the active span's `trace_id`/`span_id`,
 * and child bindings. Secrets are redacted from the finished line (see redactLogLine).
 */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level ?? process.env['LOG_LEVEL'] ?? 'info',
      base: { pid: process.pid, hostname: hostname(), ...opts.base, service: opts.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
      hooks: { streamWrite: redactLogLine },
    },
    opts.destination,
  );
}

function traceFields(): { trace_id?: string; span_id?: string } {
  const spanContext = activeSpanContext();
  return spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {};
}
