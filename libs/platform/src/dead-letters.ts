import type { Subscription } from '@nats-io/nats-core';
import { DLQ_REDRIVE_BUDGET_MS, dlqOperations, type DlqService } from '@vigil/contracts';
import { DlqOperations, type RedriveHandler, serveQuery } from '@vigil/messaging';
import { type Bus, type Observability, rpcServerDeps } from './infra';

/**
 * Answers `qry.<context>.dlq-list|dlq-show` and `cmd.<context>.dlq-redrive|dlq-purge` for this
 * service's own DLQ (the gateway asks; see `DlqOperations`). `handlers` are the service's
 * redrives: a message no handler takes is answered `unsupported` and stays parked.
 */
export function serveDeadLetters(
  bus: Bus,
  obs: Observability,
  service: DlqService,
  handlers: RedriveHandler[] = [],
): { operations: DlqOperations; subscriptions: Subscription[] } {
  const operations = new DlqOperations(bus.jsm, bus.topology, service, bus.dlq, handlers, obs.logger, {
    budgetMs: DLQ_REDRIVE_BUDGET_MS,
    retryAfterSeconds: bus.queries.retryAfterSeconds,
  });
  const ops = dlqOperations(service);
  const deps = rpcServerDeps(bus, obs);
  return {
    operations,
    subscriptions: [
      serveQuery(deps, ops.list, (r) => operations.list(r)),
      serveQuery(deps, ops.show, (r) => operations.show(r)),
      serveQuery(deps, ops.redrive, (r) => operations.redrive(r)),
      serveQuery(deps, ops.purge, (r) => operations.purge(r)),
    ],
  };
}
