import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type IdentityEvent, identityEvents, type NodeEvent, nodeEvents, securityEvents } from '@vigil/contracts';
import { EventStore, ProjectionRunner } from '@vigil/event-store';
import { Bus, Database, InjectConfig, Observability, type ServiceConfig } from '@vigil/platform';
import { createSecurityMetrics } from '@vigil/telemetry';
import type { RegistryEnv } from './config';
import { IdentityService } from './identity/identity.service';
import { IdentityVerifier } from './identity/identity.verifier';
import { identitiesProjection } from './projections/identities.projection';
import { NodeCommands } from './domain/node/node.commands';
import { nodesProjection } from './projections/nodes.projection';
import { createRegistryMetrics, type RegistryMetrics } from './registry.metrics';

/** The node aggregate's event store and command handler, the nodes read model and the fleet metrics. */
@Injectable()
export class RegistryState implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly store: EventStore<NodeEvent>;
  readonly commands: NodeCommands;
  readonly projection: ProjectionRunner<NodeEvent>;
  readonly identityProjection: ProjectionRunner<IdentityEvent>;
  readonly identity: IdentityService;
  readonly verifier: IdentityVerifier;
  readonly metrics: RegistryMetrics;

  constructor(bus: Bus, db: Database, obs: Observability, @InjectConfig() config: ServiceConfig & RegistryEnv) {
    this.store = new EventStore(bus.js, bus.jsm, bus.topology, 'node', nodeEvents);
    this.commands = new NodeCommands(this.store);
    const runnerDeps = (context: 'node' | 'identity') => ({
      js: bus.js,
      dataSource: db.dataSource,
      checkpointTable: 'registry.projection_checkpoints',
      stream: bus.topology.streams.events,
      filterSubject: bus.topology.subjects.eventsOf(context),
      dlq: bus.dlq,
      logger: obs.logger,
    });
    this.projection = new ProjectionRunner(runnerDeps('node'), nodesProjection);
    const identityStore = new EventStore(bus.js, bus.jsm, bus.topology, 'identity', identityEvents);
    this.identity = new IdentityService(db, identityStore);
    const { violations } = createSecurityMetrics(obs.registry);
    this.verifier = new IdentityVerifier(
      db,
      bus.topology,
      new EventStore(bus.js, bus.jsm, bus.topology, 'security', securityEvents),
      violations,
      obs.logger,
      config.VIGIL_REQUIRE_ENROLLMENT,
    );
    // Invalidated once this replica has committed the event (every replica runs the
    // projection); a lookup that overlapped the invalidation does not cache what it read.
    this.identityProjection = new ProjectionRunner(
      runnerDeps('identity'),
      identitiesProjection((nodeId) => this.verifier.forget(nodeId)),
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
    await Promise.all([this.projection.start(), this.identityProjection.start()]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.projection.stop(), this.identityProjection.stop()]);
  }
}
