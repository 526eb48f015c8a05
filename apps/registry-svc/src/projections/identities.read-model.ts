import { type BeforeApplicationShutdown, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { IdentityEvent } from '@vigil/contracts';
import type { ProjectionRunner } from '@vigil/event-store';
import { Bus, Database, Observability, projectionRunner } from '@vigil/platform';
import { IdentityVerifier } from '../identity/identity.verifier';
import { identitiesProjection } from './identities.projection';

/** `registry.node_identities`, kept current from the identity events between bootstrap and shutdown. */
@Injectable()
export class IdentitiesReadModel implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner: ProjectionRunner<IdentityEvent>;

  constructor(bus: Bus, db: Database, obs: Observability, verifier: IdentityVerifier) {
    // Invalidated once this replica has committed the event (every replica runs the
    // projection); a lookup that overlapped the invalidation does not cache what it read.
    this.runner = projectionRunner(
      { bus, db, obs },
      'registry',
      'identity',
      identitiesProjection((nodeId) => verifier.forget(nodeId)),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}
