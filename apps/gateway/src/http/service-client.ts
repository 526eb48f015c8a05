import { Injectable } from '@nestjs/common';
import type { QueryDefinition, z } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { Bus, InjectConfig, type ServiceConfig } from '@vigil/platform';
import type { GatewayEnv } from '../config';

/**
 * Requests to the service that owns an operation, over NATS request/reply; the service
 * validates each against the contract and its errors come back as problem+json.
 */
@Injectable()
export class ServiceClient {
  constructor(
    private readonly bus: Bus,
    @InjectConfig() private readonly config: ServiceConfig & GatewayEnv,
  ) {}

  ask<Req extends z.ZodType, Rep extends z.ZodType>(
    def: QueryDefinition<Req, Rep>,
    request: unknown,
  ): Promise<z.infer<Rep>> {
    return requestQuery(this.bus.nc, this.bus.topology, def, request as z.input<Req>, this.config.VIGIL_RPC_TIMEOUT_MS);
  }
}
