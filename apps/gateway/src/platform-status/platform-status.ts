import type {
  BusReaderLag,
  PlatformBusLag,
  PlatformService,
  PlatformStatus,
  ReadinessStatus,
  ServiceHealth,
  ServiceStatusReply,
} from '@vigil/contracts';

/** What one service's replicas answered: their replies, and what went wrong on the way. */
export interface ServiceAnswers {
  service: PlatformService;
  replies: ServiceStatusReply[];
  /** Answers that were errors or broke the contract, and a failure to ask at all. */
  problems: string[];
}

/**
 * A service's health from its replicas' answers: `up` when every one is ready (`ok`), `down` when
 * none is ready (none answered, or every one is in error), `degraded` otherwise.
 */
export function serviceHealth(a: ServiceAnswers): ServiceHealth {
  const replicas = [...a.replies]
    .sort((x, y) => x.instance.localeCompare(y.instance))
    .map(({ instance, startedAt, status, checks }) => ({ instance, startedAt, status, checks }));
  const ready = replicas.filter((r) => r.status !== 'error');
  const state =
    ready.length === 0
      ? 'down'
      : replicas.every((r) => r.status === 'ok') && a.problems.length === 0
        ? 'up'
        : 'degraded';
  const error = replicas.length === 0 && a.problems.length > 0 ? a.problems[0].slice(0, 512) : undefined;
  return { service: a.service, state, replicas, ...(error ? { error } : {}) };
}

/**
 * Every reader once per service: replicas that share a durable (or each run the same projection)
 * report it each; the largest pending count is kept, and a known count wins over an unknown one.
 */
export function busLag(answers: { service: PlatformService; readers: BusReaderLag[] }[]): PlatformBusLag[] {
  const byKey = new Map<string, PlatformBusLag>();
  for (const { service, readers } of answers)
    for (const r of readers) {
      const key = `${service}\u0000${r.stream}\u0000${r.name}`;
      const seen = byKey.get(key);
      if (!seen || (r.pending !== null && (seen.pending === null || r.pending > seen.pending)))
        byKey.set(key, { service, ...r });
    }
  return [...byKey.values()];
}

/** `ok` when every service is up, `error` when one is down, `degraded` otherwise. */
export function overallStatus(services: ServiceHealth[]): ReadinessStatus {
  if (services.some((s) => s.state === 'down')) return 'error';
  return services.every((s) => s.state === 'up') ? 'ok' : 'degraded';
}

/**
 * The depth of each service's dead-letter queue from the DLQ stream's per-subject counts
 * (`dlq.<service>`, with the deployment's prefix): every service named, 0 where it parked nothing.
 */
export function dlqDepths(
  subjects: Record<string, number>,
  dlqSubject: (service: string) => string,
  services: readonly string[],
): { service: string; depth: number }[] {
  return services.map((service) => ({ service, depth: subjects[dlqSubject(service)] ?? 0 }));
}

export function platformStatus(
  at: Date,
  services: ServiceHealth[],
  lag: PlatformBusLag[],
  dlq: { depths: { service: string; depth: number }[] } | { error: string },
): PlatformStatus {
  return {
    at: at.toISOString(),
    status: overallStatus(services),
    services,
    busLag: lag,
    ...('depths' in dlq ? { dlq: dlq.depths } : { dlq: null, dlqError: dlq.error.slice(0, 512) }),
  };
}
