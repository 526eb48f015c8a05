import { Injectable } from '@nestjs/common';
import type { NodeEvent } from '@vigil/contracts';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import { nodesProjection } from './nodes.projection';

/** `registry.nodes`, kept current from the node events between bootstrap and shutdown. */
@Injectable()
export class NodesReadModel extends ReadModel<NodeEvent> {
  constructor(bus: Bus, db: Database, obs: Observability) {
    super({ bus, db, obs }, 'registry', 'node', () => nodesProjection);
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
