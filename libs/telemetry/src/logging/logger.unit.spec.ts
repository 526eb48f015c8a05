import { withSpan } from '../tracing/tracer';
import { startTracing, type TracingHandle } from '../tracing/start-tracing';
import { createLogger, type LoggerOptions } from './logger';

function capture(opts: Omit<LoggerOptions, 'destination'>) {
  const lines: string[] = [];
  const logger = createLogger({ ...opts, destination: { write: (line: string) => void lines.push(line) } });
  const records = (): Record<string, unknown>[] => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('createLogger', () => {
  let tracing: TracingHandle;
  beforeAll(() => {
    tracing = startTracing({ serviceName: 'logger-test', instrumentations: [] });
  });
  afterAll(() => tracing.shutdown());

  it('writes one JSON line with an ISO time, a level label, msg and service', () => {
    const { logger, lines, records } = capture({ service: 'registry-svc' });
    logger.info('node registered');
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    const [record] = records();
    expect(record).toMatchObject({ level: 'info', msg: 'node registered', service: 'registry-svc' });
    expect(new Date(record['time'] as string).toISOString()).toBe(record['time']);
    expect(record).not.toHaveProperty('trace_id');
  });

  it('passes child bindings and base fields through', () => {
    const { logger, records } = capture({ service: 'gateway', base: { env: 'test' } });
    logger.child({ request_id: 'r-1', user_id: 'u-1' }).child({ node_id: 'n-1' }).warn({ attempt: 2 }, 'retrying');
    expect(records()[0]).toMatchObject({
      level: 'warn',
      service: 'gateway',
      env: 'test',
      request_id: 'r-1',
      user_id: 'u-1',
      node_id: 'n-1',
      attempt: 2,
    });
  });

  it('keeps the service name even when base tries to override it', () => {
    const { logger, records } = capture({ service: 'gateway', base: { service: 'other' } });
    logger.info('x');
    expect(records()[0]['service']).toBe('gateway');
  });

  it('takes the level from opts, else LOG_LEVEL, else info', () => {
    const saved = process.env['LOG_LEVEL'];
    try {
      process.env['LOG_LEVEL'] = 'warn';
      expect(capture({ service: 's' }).logger.level).toBe('warn');
      expect(capture({ service: 's', level: 'debug' }).logger.level).toBe('debug');
      delete process.env['LOG_LEVEL'];
      expect(capture({ service: 's' }).logger.level).toBe('info');
    } finally {
      if (saved === undefined) delete process.env['LOG_LEVEL'];
      else process.env['LOG_LEVEL'] = saved;
    }
  });

  it('adds trace_id and span_id of the active span', async () => {
    const { logger, records } = capture({ service: 's' });
    const ids = await withSpan('handle', {}, async (span) => {
      logger.info('inside');
      return span.spanContext();
    });
    logger.info('outside');
    const [inside, outside] = records();
    expect(inside).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId });
    expect(inside['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('leaks no secret', () => {
    const secrets = [
      'S1-password',
      'S2-token',
      'S3-apikey',
      'S4-bearer',
      'S5-cookie',
      'S6-hook',
      'S7-dbpass',
      'S8-natspass',
      'S9-redispass',
      'S10-private',
      'S11-refresh',
      'S12-access',
      'S13-key',
      'S14-passwd',
      'S15-secret',
      'S16-msgpass',
      'S17-bindingpass',
      'S18-errpass',
      'S19-envpass',
      'S20-webhookurl',
    ];
    const { logger, lines } = capture({
      service: 'alert-svc',
      base: { databaseUrl: 'postgres://vigil:S7-dbpass@db/vigil' },
    });
    const child = logger.child({
      natsUrl: 'nats://admin:S8-natspass@nats:4222',
      auth: { Password: 'S17-bindingpass' },
    });
    child.error(
      {
        password: 'S1-password',
        receiver: { config: { token: 'S2-token', API_KEY: 'S3-apikey', webhook_url: 'https://hooks/S20-webhookurl' } },
        request: { headers: { Authorization: 'Bearer S4-bearer', cookie: 'sid=S5-cookie' } },
        receivers: [{ webhook: 'https://hooks/S6-hook' }],
        redisUrl: 'redis://:S9-redispass@redis:6379',
        DATABASE_URL: 'postgres://root:S19-envpass@db/x',
        tls: { privateKey: 'S10-private' },
        session: { refreshToken: 'S11-refresh', accessToken: 'S12-access', key: 'S13-key' },
        legacy: { passwd: 'S14-passwd', SECRET: 'S15-secret' },
        err: new Error('cannot reach postgres://vigil:S18-errpass@db/vigil'),
      },
      'delivery failed to %s',
      'postgres://vigil:S16-msgpass@db/vigil',
    );
    const output = lines.join('');
    expect(JSON.parse(output)).toMatchObject({ level: 'error', service: 'alert-svc', password: '[REDACTED]' });
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});
