import { diag, DiagLogLevel } from '@opentelemetry/api';
import { diagLogLevelFromString, getStringFromEnv, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { createLogger } from '../logging/logger';
import { diagLogger } from './diag-logger';

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
 * Context: AsyncLocalStorage (NodeSDK's default). Propagation: W3C trace context.
 * Spans are exported over OTLP/HTTP (JSON) through a BatchSpanProcessor (`OTEL_BSP_*`) when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; otherwise they are
 * created (logs still carry trace ids) and dropped.
 */
export function startTracing(opts: TracingOptions): TracingHandle {
  started ??= start(opts);
  return started;
}

function start(opts: TracingOptions): TracingHandle {
  const instrumentations = (opts.instrumentations ?? ['http', 'pg']).map(createInstrumentation);
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    resource: defaultResource().merge(
      resourceFromAttributes(opts.serviceVersion ? { [ATTR_SERVICE_VERSION]: opts.serviceVersion } : {}),
    ),
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations,
    metricReaders: [],
    logRecordProcessors: [],
    ...spanExport(),
  });
  // After the constructor, which installs a console (stdout) diag logger when OTEL_LOG_LEVEL is set.
  // OTEL_LOG_LEVEL alone filters these diagnostics, hence the logger's own level of trace.
  const otelLogger = createLogger({ service: opts.serviceName, level: 'trace', base: { component: 'opentelemetry' } });
  diag.setLogger(diagLogger(otelLogger), {
    logLevel: diagLogLevelFromString(getStringFromEnv('OTEL_LOG_LEVEL')) ?? DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
  sdk.start();

  let stopping: Promise<void> | undefined;
  return {
    shutdown: () =>
      (stopping ??= sdk.shutdown().finally(() => {
        for (const instrumentation of instrumentations) instrumentation.disable();
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

function spanExport(): Pick<Partial<NodeSDKConfiguration>, 'traceExporter' | 'spanProcessors'> {
  const endpoint = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT');
  // NodeSDK wraps a trace exporter in a BatchSpanProcessor configured from OTEL_BSP_*. Without an
  // endpoint, a no-op processor still makes NodeSDK register a real TracerProvider.
  return endpoint ? { traceExporter: new OTLPTraceExporter() } : { spanProcessors: [new NoopSpanProcessor()] };
}
