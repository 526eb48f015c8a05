import type { QueryDefinition, z } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import type { Bus } from '@vigil/platform';

/**
 * A request to the service that owns the operation, over NATS request/reply; the service
 * validates it against the contract and its errors come back as problem+json.
 */
export function askService<Req extends z.ZodType, Rep extends z.ZodType>(
  bus: Bus,
  timeoutMs: number,
  def: QueryDefinition<Req, Rep>,
  request: unknown,
): Promise<z.infer<Rep>> {
  return requestQuery(bus.nc, bus.topology, def, request as z.input<Req>, timeoutMs);
}

/** The gateway has no users yet: a change it asks for is recorded as made by `gateway:<client address>`. */
export function gatewayActor(ip: string): string {
  return `gateway:${ip || 'unknown'}`;
}
