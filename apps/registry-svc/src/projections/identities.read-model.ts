import { Injectable } from '@nestjs/common';
import type { IdentityEvent } from '@vigil/contracts';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import { identitiesProjection } from './identities.projection';

/**
 * `registry.node_identities`, kept current from the identity events between bootstrap and shutdown.
 * Subscribers hear of a node once this replica has committed a change to its identity.
 */
@Injectable()
export class IdentitiesReadModel extends ReadModel<IdentityEvent, string> {
  constructor(bus: Bus, db: Database, obs: Observability) {
    super({ bus, db, obs }, 'registry', 'identity', identitiesProjection);
  }
}
