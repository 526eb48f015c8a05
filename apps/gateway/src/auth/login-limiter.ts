import { Injectable } from '@nestjs/common';
import { RateLimitedError } from '@vigil/contracts';
import { Cache, InjectConfig, type ServiceConfig } from '@vigil/platform';
import type { GatewayEnv } from '../config';

const MINUTE_MS = 60_000;
const REFUSED = 'too many login attempts; try again later';

/**
 * Login attempts counted in Redis, so the limits hold across replicas: per client address
 * (`VIGIL_AUTH_LOGIN_PER_MINUTE`), and failures per account name, whether or not it exists
 * (`VIGIL_AUTH_LOCKOUT_FAILURES` in a row lock it for `VIGIL_AUTH_LOCKOUT_S` after the last one).
 * Both refusals say the same, so neither tells whether the account exists.
 */
@Injectable()
export class LoginLimiter {
  constructor(
    private readonly cache: Cache,
    @InjectConfig() private readonly config: ServiceConfig & GatewayEnv,
  ) {}

  /** Counts the attempt; throws RateLimitedError when the address or the account may not try now. */
  async admit(ip: string, username: string): Promise<void> {
    await this.admitAddress(ip);
    const accountKey = this.accountKey(username);
    const [[, failures], [, lockTtl]] = (await this.cache.redis.multi().get(accountKey).pttl(accountKey).exec()) as [
      unknown,
      string | number | null,
    ][];
    if (Number(failures ?? 0) >= this.config.VIGIL_AUTH_LOCKOUT_FAILURES) throw refused(Number(lockTtl));
  }

  /** Counts an attempt of the client address alone (a single sign-on start); throws RateLimitedError past the limit. */
  async admitAddress(ip: string): Promise<void> {
    const ipKey = this.cache.key('login', 'ip', ip || 'unknown');
    const [[, attempts], , [, ipTtl]] = (await this.cache.redis
      .multi()
      .incr(ipKey)
      .pexpire(ipKey, MINUTE_MS, 'NX')
      .pttl(ipKey)
      .exec()) as [unknown, number][];
    if (attempts > this.config.VIGIL_AUTH_LOGIN_PER_MINUTE) throw refused(ipTtl);
  }

  async failed(username: string): Promise<void> {
    const key = this.accountKey(username);
    await this.cache.redis
      .multi()
      .incr(key)
      .pexpire(key, this.config.VIGIL_AUTH_LOCKOUT_S * 1000)
      .exec();
  }

  async succeeded(username: string): Promise<void> {
    await this.cache.redis.del(this.accountKey(username));
  }

  private accountKey(username: string): string {
    return this.cache.key('login', 'failures', username.toLowerCase().slice(0, 256));
  }
}

function refused(ttlMs: number): RateLimitedError {
  return new RateLimitedError(REFUSED, Math.max(1, Math.ceil(ttlMs / 1000)));
}
