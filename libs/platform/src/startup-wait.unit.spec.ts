import { isTransientStartupError, untilAvailable } from './startup-wait';

const logger = () => ({ warn: jest.fn(), info: jest.fn() });
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('waiting for a dependency at start', () => {
  it('retries a dependency that is not there yet, with doubling pauses, and logs each attempt', async () => {
    const log = logger();
    const pauses: number[] = [];
    let calls = 0;
    const value = await untilAvailable(
      'postgres',
      async () => {
        if (++calls < 5)
          throw new Error('cannot connect to postgres://[REDACTED]@db/vigil: connect ECONNREFUSED 10.0.0.1:5432');
        return 'connected';
      },
      { logger: log, initialDelayMs: 100, maxDelayMs: 500, sleep: async (ms) => void pauses.push(ms) },
    );
    expect(value).toBe('connected');
    expect(pauses).toEqual([100, 200, 400, 500]);
    expect(log.warn).toHaveBeenCalledTimes(4);
    expect(log.warn.mock.calls[0][1]).toBe('waiting for postgres');
    expect(log.info).toHaveBeenCalledWith({ dependency: 'postgres', attempts: 5 }, 'postgres is available');
  });

  it('fails at once on what no retry can fix', async () => {
    const log = logger();
    const wrong = new Error(
      'cannot connect to postgres://[REDACTED]@db/vigil: password authentication failed for user "vigil"',
    );
    await expect(
      untilAvailable('postgres', () => Promise.reject(wrong), { logger: log, sleep: async () => {} }),
    ).rejects.toBe(wrong);
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('tells transient failures (refused, reset, starting up, Redis retries exhausted) from permanent ones', () => {
    expect(isTransientStartupError(refused())).toBe(true);
    expect(isTransientStartupError(new Error('the database system is starting up'))).toBe(true);
    // What metrics-svc met in a soak, started while its Postgres came back (it exited on it).
    const notYet = new Error(
      'cannot connect to postgres://[REDACTED]@127.0.0.1:36069/vigil: the database system is not yet accepting connections',
    );
    expect(isTransientStartupError(notYet)).toBe(true);
    // By SQLSTATE too, whatever the server's language: 57P03 cannot connect now, 57P01 admin shutdown, 53300.
    for (const code of ['57P03', '57P01', '57P02', '53300'])
      expect(isTransientStartupError(Object.assign(new Error('FATAL'), { code }))).toBe(true);
    expect(isTransientStartupError(Object.assign(new Error('FATAL'), { code: '28P01' }))).toBe(false);
    expect(isTransientStartupError(Object.assign(new Error('FATAL'), { code: '3D000' }))).toBe(false);
    expect(isTransientStartupError(new Error('Reached the max retries per request limit (which is 2).'))).toBe(true);
    expect(isTransientStartupError(new Error('redis failed', { cause: refused() }))).toBe(true);
    expect(isTransientStartupError(Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }))).toBe(false);
    expect(isTransientStartupError(new AggregateError([refused()], ''))).toBe(true);
    expect(isTransientStartupError(new Error('database "vigil" does not exist'))).toBe(false);
    expect(isTransientStartupError(new Error('WRONGPASS invalid username-password pair'))).toBe(false);
    expect(isTransientStartupError('ECONNREFUSED')).toBe(false);
  });
});
