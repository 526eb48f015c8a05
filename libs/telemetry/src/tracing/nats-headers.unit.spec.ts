import { headers } from '@nats-io/nats-core';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { extractTraceContext, injectTraceHeaders } from './nats-headers';
import { startTracing, type TracingHandle } from './start-tracing';
import { withSpan } from './tracer';

describe('trace context over NATS headers', () => {
  let tracing: TracingHandle;
  beforeAll(() => {
    tracing = startTracing({ serviceName: 'nats-headers-test', instrumentations: [] });
  });
  afterAll(() => tracing.shutdown());

  it('a consumer span continues the publisher trace', async () => {
    const h = headers();
    const publisher = await withSpan('publish', {}, async (span) => {
      injectTraceHeaders(h);
      return span.spanContext();
    });
    expect(h.get('traceparent')).toBe(`00-${publisher.traceId}-${publisher.spanId}-01`);

    const consumer = await withSpan('consume', { parent: extractTraceContext(h) }, async (span) => span);
    expect(consumer.spanContext().traceId).toBe(publisher.traceId);
    expect(trace.getSpanContext(extractTraceContext(h))?.isRemote).toBe(true);
  });

  it('injects the given context instead of the active one', async () => {
    const given = await withSpan('given', {}, async (span) => trace.setSpan(ROOT_CONTEXT, span));
    const h = headers();
    await withSpan('active', {}, async () => injectTraceHeaders(h, given));
    expect(h.get('traceparent')).toContain(trace.getSpanContext(given)?.spanId);
  });

  it('replaces a traceparent already present in another letter case', async () => {
    const h = headers();
    h.set('Traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const ctx = extractTraceContext(h);
    expect(trace.getSpanContext(ctx)?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    await withSpan('republish', {}, async (span) => {
      injectTraceHeaders(h);
      expect(h.values('traceparent', 'insensitive')).toEqual([
        `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
      ]);
    });
  });

  it('starts from the ROOT context when there is no trace header, even inside a span', async () => {
    await withSpan('loop', {}, async () => {
      expect(extractTraceContext()).toBe(ROOT_CONTEXT);
      expect(trace.getSpanContext(extractTraceContext(headers()))).toBeUndefined();
      const orphan = await withSpan('handle', { parent: extractTraceContext(headers()) }, async (span) => span);
      expect(orphan.spanContext().traceId).not.toBe(trace.getSpanContext(context.active())?.traceId);
    });
  });
});
