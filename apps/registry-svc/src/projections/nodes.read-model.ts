import { type BeforeApplicationShutdown, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { NodeEvent } from '@vigil/contracts';
import type { ProjectionRunner } from '@vigil/event-store';
import { Bus, Database, Observability, projectionRunner } from '@vigil/platform';
import { nodesProjection } from './nodes.projection';

/** `registry.nodes`, kept current from the node events between bootstrap and shutdown. */
@Injectable()
export class NodesReadModel implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner: ProjectionRunner<NodeEvent>;

  constructor(bus: Bus, db: Database, obs: Observability) {
    this.runner = projectionRunner({ bus, db, obs }, 'registry', 'node', nodesProjection);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  rebuild(): Promise<void> {
    return this.runner.rebuild();
  }

  /** Resolves once the read model has applied everything up to `seq` (read-your-writes). */
  waitFor(seq: number, timeoutMs: number): Promise<void> {
    return this.runner.waitFor(seq, timeoutMs);
  }

  checkpoint(): number {
    return this.runner.checkpoint();
  }
}
