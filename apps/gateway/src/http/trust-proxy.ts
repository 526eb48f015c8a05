import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectConfig, type ServiceConfig } from '@vigil/platform';
import type { GatewayEnv } from '../config';

/**
 * Behind a reverse proxy, the client's address is in `X-Forwarded-For`: with
 * `VIGIL_TRUST_PROXY` (express' `trust proxy`: `loopback`, a CIDR list, or a number of hops) the
 * login limits and the audit trail use it. Unset, the connecting address counts (headers a client
 * could forge are ignored).
 */
@Injectable()
export class TrustProxy implements OnModuleInit {
  constructor(
    private readonly adapter: HttpAdapterHost,
    @InjectConfig() private readonly config: ServiceConfig & GatewayEnv,
  ) {}

  onModuleInit(): void {
    const value = this.config.VIGIL_TRUST_PROXY;
    if (value === undefined) return;
    const instance = this.adapter.httpAdapter.getInstance() as { set(setting: string, value: unknown): void };
    instance.set('trust proxy', /^\d+$/.test(value) ? Number(value) : value);
  }
}
