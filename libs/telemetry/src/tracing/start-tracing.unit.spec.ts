import { context, propagation, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startTracing, type TracingHandle } from './start-tracing';
import { withSpan } from './tracer';

describe('startTracing without an OTLP endpoint', () => {
  // stdout may carry the logger's JSON lines and nothing else.
  const consoleMethods = ['log', 'info', 'debug', 'warn', 'error', 'trace'] as const;
  let stdout: jest.SpyInstance;
  let consoles: jest.SpyInstance[];
  let tracing: TracingHandle;

  beforeAll(() => {
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
    stdout = jest.spyOn(process.stdout, 'write');
    consoles = consoleMethods.map((method) => jest.spyOn(console, method));
    tracing = startTracing({ serviceName: 'start-tracing-test', serviceVersion: '1.2.3' });
  });

  afterAll(async () => {
    await tracing.shutdown();
    for (const [chunk] of stdout.mock.calls)
      expect(JSON.parse(String(chunk))).toHaveProperty('service', 'start-tracing-test');
    for (const spy of consoles) expect(spy).not.toHaveBeenCalled();
    jest.restoreAllMocks();
  });

  it('returns the same handle on every call', () => {
    expect(startTracing({ serviceName: 'another-name' })).toBe(tracing);
  });

  it('creates real spans carrying the service resource', async () => {
    const span = await withSpan('probe', {}, async (s) => s as unknown as ReadableSpan);
    await span.resource.waitForAsyncAttributes?.();
    expect(span.spanContext().traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    expect(span.resource.attributes).toMatchObject({
      'service.name': 'start-tracing-test',
      'service.version': '1.2.3',
    });
  });

  it('keeps the active span across timers and awaits (AsyncLocalStorage)', async () => {
    await withSpan('outer', {}, async (span) => {
      const afterTimer = await new Promise((resolve) => setTimeout(() => resolve(trace.getActiveSpan()), 1));
      const afterImmediate = await new Promise((resolve) => setImmediate(() => resolve(trace.getActiveSpan())));
      expect(afterTimer).toBe(span);
      expect(afterImmediate).toBe(span);
    });
  });

  it('propagates W3C trace context', async () => {
    await withSpan('outer', {}, async (span) => {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      expect(carrier).toEqual({ traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01` });
    });
  });
});
