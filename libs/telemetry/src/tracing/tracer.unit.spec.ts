import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startTracing, type TracingHandle } from './start-tracing';
import { currentTraceId, getTracer, withSpan } from './tracer';

describe('withSpan', () => {
  let tracing: TracingHandle;
  beforeAll(() => {
    tracing = startTracing({ serviceName: 'tracer-test', instrumentations: [] });
  });
  afterAll(() => tracing.shutdown());

  it('makes the span active for fn, across awaits, and ends it', async () => {
    let seen: ReadableSpan | undefined;
    const result = await withSpan(
      'work',
      { kind: SpanKind.CONSUMER, attributes: { 'vigil.node_id': 'n-1' } },
      async (span) => {
        seen = span as unknown as ReadableSpan;
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(trace.getActiveSpan()).toBe(span);
        expect(currentTraceId()).toBe(span.spanContext().traceId);
        return 42;
      },
    );
    expect(result).toBe(42);
    expect(seen).toMatchObject({
      name: 'work',
      kind: SpanKind.CONSUMER,
      ended: true,
      attributes: { 'vigil.node_id': 'n-1' },
    });
    expect(currentTraceId()).toBeUndefined();
  });

  it('nests under the active span by default and under opts.parent when given', async () => {
    await withSpan('outer', {}, async (outer) => {
      await withSpan('inner', {}, async (inner) => {
        expect((inner as unknown as ReadableSpan).parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
        expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
      });
      await withSpan('detached', { parent: ROOT_CONTEXT }, async (detached) => {
        expect((detached as unknown as ReadableSpan).parentSpanContext).toBeUndefined();
        expect(detached.spanContext().traceId).not.toBe(outer.spanContext().traceId);
      });
    });
  });

  it('records the exception, sets ERROR, ends the span and rethrows', async () => {
    let seen: ReadableSpan | undefined;
    const failure = new Error('projection failed');
    await expect(
      withSpan('fails', {}, async (span) => {
        seen = span as unknown as ReadableSpan;
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(seen?.ended).toBe(true);
    expect(seen?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'projection failed' });
    expect(seen?.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([
      ['exception', 'projection failed'],
    ]);
  });

  it('handles a thrown non-Error value', async () => {
    let seen: ReadableSpan | undefined;
    await expect(
      withSpan('fails', {}, (span) => {
        seen = span as unknown as ReadableSpan;
        return Promise.reject('just a string');
      }),
    ).rejects.toBe('just a string');
    expect(seen?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'just a string' });
  });
});

describe('getTracer / currentTraceId', () => {
  it('gives a tracer and no trace id outside any span', () => {
    expect(getTracer()).toBeDefined();
    expect(context.with(ROOT_CONTEXT, currentTraceId)).toBeUndefined();
  });
});
