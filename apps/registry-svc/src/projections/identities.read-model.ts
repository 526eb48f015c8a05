import { type BeforeApplicationShutdown, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { IdentityEvent } from '@vigil/contracts';
import type { ProjectionRunner } from '@vigil/event-store';
import { Bus, Database, Observability, projectionRunner } from '@vigil/platform';
import { identitiesProjection } from './identities.projection';

/** `registry.node_identities`, kept current from the identity events between bootstrap and shutdown. */
@Injectable()
export class IdentitiesReadModel implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner: ProjectionRunner<IdentityEvent>;
  private readonly listeners: ((nodeId: string) => void)[] = [];

  constructor(bus: Bus, db: Database, obs: Observability) {
    this.runner = projectionRunner(
      { bus, db, obs },
      'registry',
      'identity',
      identitiesProjection((nodeId) => this.listeners.forEach((l) => l(nodeId))),
    );
  }

  /** `listener` hears of a node once this replica has committed a change to its identity. */
  onChange(listener: (nodeId: string) => void): void {
    this.listeners.push(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}
