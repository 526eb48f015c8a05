import { type DependencyCheck, HealthChecker } from './health-checker';

const up = (name: string, critical?: boolean): DependencyCheck => ({ name, critical, check: async () => {} });
const down = (name: string, error: unknown, critical?: boolean): DependencyCheck => ({
  name,
  critical,
  check: () => Promise.reject(error),
});

describe('HealthChecker', () => {
  it('is ok when every check is up', async () => {
    const report = await new HealthChecker([up('postgres'), up('nats')]).report();
    expect(report.status).toBe('ok');
    expect(report.checks['postgres']).toEqual({ status: 'up', latencyMs: expect.any(Number) });
    expect(Object.keys(report.checks)).toEqual(['postgres', 'nats']);
  });

  it('is an error when a critical check is down (critical by default)', async () => {
    const report = await new HealthChecker([up('nats'), down('postgres', new Error('connection refused'))]).report();
    expect(report.status).toBe('error');
    expect(report.checks['postgres']).toEqual({
      status: 'down',
      latencyMs: expect.any(Number),
      error: 'connection refused',
    });
  });

  it('is degraded when only non-critical checks are down', async () => {
    const report = await new HealthChecker([up('postgres'), down('redis', new Error('READONLY'), false)]).report();
    expect(report.status).toBe('degraded');
  });

  it('is an error when critical and non-critical checks are both down', async () => {
    const checks = [down('redis', new Error('x'), false), down('postgres', new Error('y'), true)];
    expect((await new HealthChecker(checks).report()).status).toBe('error');
  });

  it('times out a hanging check without waiting for it', async () => {
    const hanging: DependencyCheck = { name: 'nats', check: () => new Promise<void>(() => {}) };
    const started = Date.now();
    const report = await new HealthChecker([hanging, up('postgres')], { timeoutMs: 50 }).report();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report.status).toBe('error');
    expect(report.checks['nats']).toMatchObject({ status: 'down', error: 'nats check timed out after 50 ms' });
    expect(report.checks['nats'].latencyMs).toBeGreaterThanOrEqual(45);
    expect(report.checks['postgres'].status).toBe('up');
  });

  it('runs the checks concurrently', async () => {
    const slow = (name: string): DependencyCheck => ({
      name,
      check: () => new Promise((resolve) => setTimeout(resolve, 300)),
    });
    const started = Date.now();
    const report = await new HealthChecker([slow('a'), slow('b'), slow('c')]).report();
    expect(report.status).toBe('ok');
    // In sequence they would take 900 ms; together 300 ms, with room for a loaded test worker.
    expect(Date.now() - started).toBeLessThan(700);
  });

  it('never reports a URL password', async () => {
    const report = await new HealthChecker([
      down('postgres', new Error('connect to postgres://vigil:s3cret@db:5432/vigil failed')),
      down('nats', 'nats://t0ken@nats:4222 unreachable'),
    ]).report();
    expect(JSON.stringify(report)).not.toMatch(/s3cret|t0ken/);
    expect(report.checks['postgres'].error).toBe('connect to postgres://vigil:[REDACTED]@db:5432/vigil failed');
  });

  it('describes errors without a message', async () => {
    const refused = Object.assign(new Error(''), { code: 'ECONNREFUSED' });
    const report = await new HealthChecker([
      down('postgres', new AggregateError([refused, new Error('connect ECONNREFUSED 127.0.0.1:5432')])),
      down('redis', refused),
    ]).report();
    expect(report.checks['postgres'].error).toBe('ECONNREFUSED; connect ECONNREFUSED 127.0.0.1:5432');
    expect(report.checks['redis'].error).toBe('ECONNREFUSED');
  });

  it('treats a check that throws synchronously as down', async () => {
    const throwing: DependencyCheck = {
      name: 'kv',
      check: () => {
        throw new Error('not connected');
      },
    };
    expect((await new HealthChecker([throwing]).report()).checks['kv']).toMatchObject({
      status: 'down',
      error: 'not connected',
    });
  });

  it('refuses two checks with the same name', () => {
    expect(() => new HealthChecker([up('nats'), up('nats')])).toThrow('duplicate health check name: nats');
  });
});
