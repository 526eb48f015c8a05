import { trace } from '@opentelemetry/api';
import { otlpTracesEndpoint } from './otlp-endpoint';
import { startExportingTracing } from './start-exporting-tracing';

describe('otlpTracesEndpoint', () => {
  it('prefers the traces endpoint, and counts a blank value as unset', () => {
    expect(otlpTracesEndpoint({})).toBeUndefined();
    expect(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
    expect(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' })).toBe('http://a:4318');
    expect(
      otlpTracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/v1/traces',
      }),
    ).toBe('http://b/v1/traces');
    expect(
      otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' }),
    ).toBe('http://a:4318');
  });
});

describe('startExportingTracing', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('without an endpoint loads no SDK and registers no tracer provider', async () => {
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
    const handle = startExportingTracing({ serviceName: 'untraced', instrumentations: [] });
    expect(
      Object.keys(require.cache).filter((file) => file.includes('sdk-trace') || file.endsWith('start-tracing.ts')),
    ).toEqual([]);
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    await handle.shutdown();
  });

  it('with an endpoint starts tracing: spans are recorded (their export: bundle.int.spec.ts)', async () => {
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = 'http://127.0.0.1:9';
    const handle = startExportingTracing({ serviceName: 'traced', instrumentations: [] });
    // Not ended, so nothing is exported to that closed port.
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(true);
    await handle.shutdown();
  });
});
