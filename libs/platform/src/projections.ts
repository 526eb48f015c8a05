import type { Context, DomainEvent } from '@vigil/contracts';
import { type Projection, ProjectionRunner } from '@vigil/event-store';
import type { Bus, Database, Observability } from './infra';

/**
 * A runner for one of this service's read models: it reads one event context from the `EVENTS`
 * stream and keeps its checkpoint in `<schema>.projection_checkpoints`, the service's own table.
 */
export function projectionRunner<E extends DomainEvent>(
  infra: { bus: Bus; db: Database; obs: Observability },
  schema: string,
  context: Context,
  projection: Projection<E>,
): ProjectionRunner<E> {
  const { bus, db, obs } = infra;
  const runner = new ProjectionRunner(
    {
      js: bus.js,
      nc: bus.nc,
      jsm: bus.jsm,
      dataSource: db.dataSource,
      checkpointTable: `${schema}.projection_checkpoints`,
      stream: bus.topology.streams.events,
      filterSubject: bus.topology.subjects.eventsOf(context),
      dlq: bus.dlq,
      logger: obs.logger,
      onStreamReset: bus.onStreamReset,
    },
    projection,
  );
  bus.readers.add({
    name: `projection-${projection.name}`,
    stream: bus.topology.streams.events,
    kind: 'projection',
    pending: () => runner.pending(),
  });
  return runner;
}
