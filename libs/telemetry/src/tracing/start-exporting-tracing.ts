import { otlpTracesEndpoint } from './otlp-endpoint';
import type { TracingHandle, TracingOptions } from './start-tracing';

const notTracing: TracingHandle = { shutdown: async () => undefined };

/**
 * startTracing for a process that has no use for spans nobody exports (the node agent, where
 * the SDK took a third of its memory): with no OTLP endpoint configured it loads nothing of the
 * OpenTelemetry SDK and registers nothing, so spans are the API's no-op ones, logs carry no
 * trace ids and messages no `traceparent`. With an endpoint it is startTracing, loaded then.
 */
export function startExportingTracing(opts: TracingOptions): TracingHandle {
  if (!otlpTracesEndpoint()) return notTracing;
  // Required only now: loading start-tracing loads the SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./start-tracing') as typeof import('./start-tracing');
  return startTracing(opts);
}
