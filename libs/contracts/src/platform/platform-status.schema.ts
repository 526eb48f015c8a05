import * as z from 'zod';
import { IsoTimestamp } from '../common.schema';
import type { QueryDefinition } from '../rpc';

/**
 * The platform's own status (`GET /api/v1/platform/status`): which replicas of each service
 * answer ready, how far the bus readers are behind, how deep each dead-letter queue is, and the
 * gateway's own dependencies.
 *
 * Each service answers `qry.<context>.status` on its responder connection WITHOUT a queue group,
 * so every replica answers the one request; the gateway collects the replies for a bounded time
 * (`PLATFORM_STATUS_WAIT_MS`) and reports a service none of whose replicas answered as down.
 */

/** The services that answer `qry.<context>.status`, by the context they answer for. */
export const STATUS_SERVICES = {
  'registry-svc': 'registry',
  'metrics-svc': 'metrics',
  'alert-svc': 'alerting',
  'backup-svc': 'backup',
} as const;
export type StatusService = keyof typeof STATUS_SERVICES;
/** Every service the status names, the gateway first (it reports for itself). */
export const PLATFORM_SERVICES = ['gateway', ...(Object.keys(STATUS_SERVICES) as StatusService[])] as const;
export type PlatformService = (typeof PLATFORM_SERVICES)[number];

/** The gateway waits this long at most for a service's replicas, all services at once. */
export const PLATFORM_STATUS_WAIT_MS = 2500;
/** Once a replica has answered, the gateway waits this long for one more before it stops listening. */
export const PLATFORM_STATUS_STALL_MS = 500;
/** At most this many replicas' answers are taken per service. */
export const PLATFORM_STATUS_MAX_REPLICAS = 32;
/** At most this many bus readers a replica reports. */
export const PLATFORM_STATUS_MAX_READERS = 64;
/** A replica's own checks (its dependencies, its readers' lag) are each bounded by this. */
export const PLATFORM_STATUS_CHECK_MS = 1500;

const ErrorText = z.string().max(512);

export const DependencyState = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number().int().nonnegative(),
  error: ErrorText.optional(),
});
export type DependencyState = z.infer<typeof DependencyState>;

export const ReadinessStatus = z.enum(['ok', 'degraded', 'error']);
export type ReadinessStatus = z.infer<typeof ReadinessStatus>;

/**
 * One reader of a stream and how far behind it is: `pending`, the messages of its subjects the
 * server holds beyond what it has been delivered (a durable's also those delivered and not yet
 * acknowledged); null with `error` when the server could not say within the bound.
 */
export const BusReaderLag = z.object({
  /** The durable's name, or the reader's (`projection-<name>`, `metrics-ingest`). */
  name: z.string().min(1).max(128),
  stream: z.string().min(1).max(64),
  kind: z.enum(['durable', 'projection', 'reader']),
  pending: z.number().int().nonnegative().nullable(),
  error: ErrorText.optional(),
});
export type BusReaderLag = z.infer<typeof BusReaderLag>;

export const ServiceStatusRequest = z.object({}).strict();

/** One replica's answer to `qry.<context>.status`. */
export const ServiceStatusReply = z.object({
  service: z.string().min(1).max(64),
  /** `<host>:<pid>`: which replica answered. */
  instance: z.string().min(1).max(128),
  startedAt: IsoTimestamp,
  /** Its readiness, as its `/health/ready` says it. */
  status: ReadinessStatus,
  checks: z.record(z.string().max(32), DependencyState),
  readers: z.array(BusReaderLag).max(PLATFORM_STATUS_MAX_READERS),
});
export type ServiceStatusReply = z.infer<typeof ServiceStatusReply>;

/** The status operation of one service. */
export function serviceStatusOperation(
  service: StatusService,
): QueryDefinition<typeof ServiceStatusRequest, typeof ServiceStatusReply> {
  return {
    kind: 'qry',
    context: STATUS_SERVICES[service],
    what: 'status',
    request: ServiceStatusRequest,
    reply: ServiceStatusReply,
  };
}

export const ReplicaStatus = ServiceStatusReply.omit({ service: true, readers: true });
export type ReplicaStatus = z.infer<typeof ReplicaStatus>;

/**
 * A service as the gateway sees it: `up` when every replica that answered is ready, `degraded`
 * when some replica answered not ready (or only degraded), `down` when none answered ready
 * (none answered at all, or every one is in error).
 */
export const ServiceHealth = z.object({
  service: z.enum(PLATFORM_SERVICES),
  state: z.enum(['up', 'degraded', 'down']),
  replicas: z.array(ReplicaStatus).max(PLATFORM_STATUS_MAX_REPLICAS),
  /**
   * With no replica listed: what went wrong beyond none answering within the wait (an answer that
   * was an error or broke the contract, the request itself failing). Absent when simply none answered.
   */
  error: ErrorText.optional(),
});
export type ServiceHealth = z.infer<typeof ServiceHealth>;

export const PlatformBusLag = BusReaderLag.extend({ service: z.enum(PLATFORM_SERVICES) });
export type PlatformBusLag = z.infer<typeof PlatformBusLag>;

export const PlatformStatus = z.object({
  at: IsoTimestamp,
  /** `ok` when every service is up, `error` when one is down, `degraded` otherwise. */
  status: ReadinessStatus,
  services: z.array(ServiceHealth),
  /** Each reader once (a durable shared by replicas is listed once, with its largest pending count). */
  busLag: z.array(PlatformBusLag),
  /** Messages parked in each service's dead-letter queue (`dlq.<service>`); null when the DLQ stream could not be read. */
  dlq: z.array(z.object({ service: z.string().max(64), depth: z.number().int().nonnegative() })).nullable(),
  dlqError: ErrorText.optional(),
});
export type PlatformStatus = z.infer<typeof PlatformStatus>;
