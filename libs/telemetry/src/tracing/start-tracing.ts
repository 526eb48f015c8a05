import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  diagLogLevelFromString,
  getNumberFromEnv,
  getStringFromEnv,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { createLogger } from '../logging/logger';
import { diagLogger } from './diag-logger';
import { otlpTracesEndpoint } from './otlp-endpoint';

export type TracingInstrumentation = 'http' | 'pg';

export interface TracingOptions {
  serviceName: string;
  serviceVersion?: string;
  /** Defaults to http and pg. Start tracing before these modules are first required. */
  instrumentations?: TracingInstrumentation[];
}

export interface TracingHandle {
  /** Flushes pending spans, stops exporting and removes the instrumentations' patches. */
  shutdown(): Promise<void>;
}

let started: TracingHandle | undefined;

/**
 * Starts the OpenTelemetry SDK once per process; later calls return the first handle, whatever their options.
 * Context: AsyncLocalStorage. Propagation: W3C trace context.
 * Spans are exported over OTLP/HTTP (JSON) through a BatchSpanProcessor (`OTEL_BSP_*`) when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; otherwise they are
 * created (logs still carry trace ids) and dropped. See also startExportingTracing.
 */
export function startTracing(opts: TracingOptions): TracingHandle {
  started ??= start(opts);
  return started;
}

/**
 * The tracer provider, context manager, propagator and instrumentations wired by hand
 * rather than through NodeSDK: NodeSDK loads every exporter it could use (gRPC, protobuf,
 * logs, metrics), which cost the node agent 12 MB of memory and CPU at start for nothing.
 */
function start(opts: TracingOptions): TracingHandle {
  const otelLogger = createLogger({ service: opts.serviceName, level: 'trace', base: { component: 'opentelemetry' } });
  // OTEL_LOG_LEVEL alone filters these diagnostics, hence the logger's own level of trace.
  diag.setLogger(diagLogger(otelLogger), {
    logLevel: diagLogLevelFromString(getStringFromEnv('OTEL_LOG_LEVEL')) ?? DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
  const provider = new TracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: opts.serviceName,
        ...(opts.serviceVersion ? { [ATTR_SERVICE_VERSION]: opts.serviceVersion } : {}),
      }),
    ),
    spanProcessors: [spanProcessor()],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const instrumentations = (opts.instrumentations ?? ['http', 'pg']).map(createInstrumentation);
  const unregister = registerInstrumentations({ instrumentations, tracerProvider: provider });

  let stopping: Promise<void> | undefined;
  return {
    shutdown: () =>
      (stopping ??= provider.shutdown().finally(() => {
        unregister();
        contextManager.disable();
      })),
  };
}

function createInstrumentation(name: TracingInstrumentation): HttpInstrumentation | PgInstrumentation {
  switch (name) {
    case 'http':
      return new HttpInstrumentation();
    case 'pg':
      return new PgInstrumentation({ requireParentSpan: false });
    default: {
      const unknown: never = name;
      throw new Error(`unknown instrumentation: ${String(unknown)}`);
    }
  }
}

/**
 * With an endpoint, spans go over OTLP/HTTP (JSON) through a batch processor configured from
 * `OTEL_BSP_*`; without one, a no-op processor: spans (and the trace ids in logs) still exist.
 */
function spanProcessor(): SpanProcessor {
  if (!otlpTracesEndpoint()) return new NoopSpanProcessor();
  return new BatchSpanProcessor({
    exporter: new OTLPTraceExporter(),
    scheduledDelayMillis: getNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY'),
    maxQueueSize: getNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE'),
    maxExportBatchSize: getNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
    exportTimeoutMillis: getNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT'),
  });
}
