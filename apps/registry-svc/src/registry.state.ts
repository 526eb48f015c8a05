import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type NodeEvent, nodeEvents } from '@vigil/contracts';
import { EventStore, ProjectionRunner } from '@vigil/event-store';
import { Bus, Database, Observability } from '@vigil/platform';
import { NodeCommands } from './domain/node/node.commands';
import { nodesProjection } from './projections/nodes.projection';
import { createRegistryMetrics, type RegistryMetrics } from './registry.metrics';

/** The node aggregate's event store and command handler, the nodes read model and the fleet metrics. */
@Injectable()
export class RegistryState implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly store: EventStore<NodeEvent>;
  readonly commands: NodeCommands;
  readonly projection: ProjectionRunner<NodeEvent>;
  readonly metrics: RegistryMetrics;

  constructor(bus: Bus, db: Database, obs: Observability) {
    this.store = new EventStore(bus.js, bus.jsm, bus.topology, 'node', nodeEvents);
    this.commands = new NodeCommands(this.store);
    this.projection = new ProjectionRunner(
      {
        js: bus.js,
        dataSource: db.dataSource,
        checkpointTable: 'registry.projection_checkpoints',
        stream: bus.topology.streams.events,
        filterSubject: bus.topology.subjects.eventsOf('node'),
        dlq: bus.dlq,
        logger: obs.logger,
      },
      nodesProjection,
    );
    this.metrics = createRegistryMetrics(obs.registry, async () => {
      const rows = await db.query<{ status: string; n: string }>(
        'nodes_count',
        'SELECT status, count(*) AS n FROM registry.nodes GROUP BY status',
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.projection.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.projection.stop();
  }
}
