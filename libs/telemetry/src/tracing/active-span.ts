import { context, isSpanContextValid, type SpanContext, trace } from '@opentelemetry/api';

/** The span context of the active span, when there is a valid one. */
export function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}
