import { Injectable } from '@nestjs/common';
import { RateLimitedError } from '@vigil/contracts';
import { Cache, InjectConfig, type ServiceConfig } from '@vigil/platform';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../auth/principal';
import type { GatewayEnv } from '../config';

/** Probes must never be refused: an orchestrator would restart a healthy gateway. */
const EXEMPT = /^\/health(\/|$)/;

/**
 * Request rate limits, fixed windows counted in Redis so they hold across gateway replicas:
 * each client address (`VIGIL_RATE_LIMIT_PER_IP`, before anything else is done with the request)
 * and each authenticated user or API key (`VIGIL_RATE_LIMIT_PER_PRINCIPAL`, once the access guard
 * knows who it is), per `VIGIL_RATE_LIMIT_WINDOW_S`. A window starts with its first request (not
 * on the clock), so replicas with skewed clocks still share it. Logins have their own, stricter
 * limits (LoginLimiter) on top. When Redis cannot be reached the request fails, as logins do.
 */
@Injectable()
export class RateLimiter {
  constructor(
    private readonly cache: Cache,
    @InjectConfig() private readonly config: ServiceConfig & GatewayEnv,
  ) {}

  /** Express middleware: the per-address limit. */
  readonly perAddress = (req: Request, _res: Response, next: NextFunction): void => {
    if (EXEMPT.test(req.path)) return next();
    this.admit('ip', req.ip ?? 'unknown', this.config.VIGIL_RATE_LIMIT_PER_IP).then(() => next(), next);
  };

  /** The per-address limit outside express (the live API's upgrade requests); throws RateLimitedError beyond it. */
  admitAddress(address: string): Promise<void> {
    return this.admit('ip', address, this.config.VIGIL_RATE_LIMIT_PER_IP);
  }

  /** The per-user / per-key limit; throws RateLimitedError beyond it. */
  admitPrincipal(principal: Principal): Promise<void> {
    return this.admit(principal.kind, principal.id, this.config.VIGIL_RATE_LIMIT_PER_PRINCIPAL);
  }

  private async admit(kind: string, id: string, limit: number): Promise<void> {
    const key = this.cache.key('ratelimit', kind, id);
    const [[, count], , [, ttl]] = (await this.cache.redis
      .multi()
      .incr(key)
      .pexpire(key, this.config.VIGIL_RATE_LIMIT_WINDOW_S * 1000, 'NX')
      .pttl(key)
      .exec()) as [unknown, number][];
    if (count > limit)
      throw new RateLimitedError('too many requests; try again later', Math.max(1, Math.ceil(ttl / 1000)));
  }
}
