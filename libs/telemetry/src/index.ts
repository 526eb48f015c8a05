export {
  startTracing,
  type TracingHandle,
  type TracingInstrumentation,
  type TracingOptions,
} from './tracing/start-tracing';
export { startExportingTracing } from './tracing/start-exporting-tracing';
export { otlpTracesEndpoint } from './tracing/otlp-endpoint';
export { currentTraceId, getTracer, withSpan, type WithSpanOptions } from './tracing/tracer';
export { extractTraceContext, injectTraceHeaders } from './tracing/nats-headers';
export { createLogger, type Logger, type LoggerOptions } from './logging/logger';
export { redactUrl } from './logging/redact';
export { createMetricsRegistry } from './metrics/registry';
export { singleMetric } from './metrics/single-metric';
export { createHttpMetrics, type HttpLabel, type HttpMetrics } from './metrics/http-metrics';
export { createNatsMetrics, type NatsMetrics } from './metrics/nats-metrics';
export { createDbMetrics, type DbMetrics } from './metrics/db-metrics';
export { createDlqMetrics, DLQ_PARK_FAILURES, DLQ_REASONS, type DlqMetrics } from './metrics/dlq-metrics';
export { createSecurityMetrics } from './metrics/security-metrics';
export {
  type CheckResult,
  type DependencyCheck,
  HealthChecker,
  type HealthCheckerOptions,
  type HealthReport,
} from './health/health-checker';
export { livenessReport, type LivenessReport } from './health/liveness';
