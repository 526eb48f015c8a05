import {
  type Attributes,
  type Context,
  context,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { activeSpanContext } from './active-span';

export function getTracer(): Tracer {
  return trace.getTracer('vigil');
}

export function currentTraceId(): string | undefined {
  return activeSpanContext()?.traceId;
}

export interface WithSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Defaults to the active context. */
  parent?: Context;
}

/**
 * Runs `fn` with a new span active. A throw or rejection is recorded on the span, sets its status
 * to ERROR and is rethrown; the span always ends.
 */
export async function withSpan<T>(name: string, opts: WithSpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = opts.parent ?? context.active();
  const span = getTracer().startSpan(name, { kind: opts.kind, attributes: opts.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    throw err;
  } finally {
    span.end();
  }
}
