import type { BeforeApplicationShutdown, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { Context, DomainEvent } from '@vigil/contracts';
import type { Projection, ProjectionRunner } from '@vigil/event-store';
import type { RedriveHandler } from '@vigil/messaging';
import type { Bus, Database, Observability } from './infra';
import { projectionRunner } from './projections';
import { projectionRedrive, type RedriveLedger } from './redrive-ledger';

/**
 * A read model this replica keeps with its own projection runner: started at bootstrap, stopped
 * at shutdown (Nest orders both by dependency depth, so a consumer starts after and stops before
 * the read model it injects). Subscribers hear of each change once its transaction has committed.
 * `startAt: 'init'` starts it at module init instead, for a read model that other providers'
 * bootstrap hooks read (all module init hooks run before any bootstrap hook).
 */
export abstract class ReadModel<E extends DomainEvent, Change = void>
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  protected readonly runner: ProjectionRunner<E>;
  private readonly listeners: ((change: Change) => void)[] = [];
  private readonly projection: Projection<E>;
  private readonly eventsStream: string;

  protected constructor(
    infra: { bus: Bus; db: Database; obs: Observability },
    schema: string,
    context: Context,
    projection: (changed: (change: Change) => void) => Projection<E>,
    private readonly startAt: 'init' | 'bootstrap' = 'bootstrap',
  ) {
    this.projection = projection((change) => {
      for (const listener of this.listeners) listener(change);
    });
    this.eventsStream = infra.bus.topology.streams.events;
    this.runner = projectionRunner(infra, schema, context, this.projection);
  }

  /** The redrive of the events this read model's runner parked (see `projectionRedrive`). */
  redriveHandler(ledger: RedriveLedger): RedriveHandler {
    return projectionRedrive(this.projection, this.eventsStream, ledger);
  }

  /** Tells `listener` of each change this replica's read model has committed. */
  onChange(listener: (change: Change) => void): void {
    this.listeners.push(listener);
  }

  async onModuleInit(): Promise<void> {
    if (this.startAt === 'init') await this.runner.start();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.startAt === 'bootstrap') await this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}
