import type { Sample } from '@vigil/contracts';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CollectorRunReporter } from '../collectors/collector-runner';
import type { MessageKind } from '../publish/publisher';
import { SpoolMetric, type SpoolMetrics } from '../spool/spool-metrics';

const MESSAGE_KINDS: Record<MessageKind, true> = {
  heartbeat: true,
  samples: true,
  inventory: true,
  'agent-event': true,
};

type CountSource = () => number;

/**
 * The agent's own metrics, each counted in one place: here for what the session does
 * (batches, failed publishes, collector runs), in the spool and the supervisor's event
 * publisher for theirs, read from them. `/metrics` and the `vigil_agent_*` samples of every
 * batch both come from this registry.
 */
export class AgentMetrics implements CollectorRunReporter {
  private readonly own: readonly (Counter<string> | Gauge<string>)[];
  private readonly batchesSent: Counter;
  private readonly collectorDuration: Gauge<'collector'>;
  private readonly collectorSuccess: Gauge<'collector'>;
  private readonly collectors = new Set<string>();
  private readonly publishFailures = new Map<MessageKind, number>();
  private readonly publishFailureSources = new Map<MessageKind, CountSource>();
  private spool?: () => SpoolMetrics;

  constructor(registry: Registry) {
    const registers = [registry];
    const failures = (kind: MessageKind) =>
      (this.publishFailures.get(kind) ?? 0) + (this.publishFailureSources.get(kind)?.() ?? 0);
    const spool = () => this.spool?.();
    const fromSpool = (name: string, help: string, pick: (metrics: SpoolMetrics) => number): Counter =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          const metrics = spool();
          if (!metrics) return;
          this.reset();
          this.inc(pick(metrics));
        },
      });
    const spoolGauge = (name: string, help: string, pick: (metrics: SpoolMetrics) => number): Gauge =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const metrics = spool();
          if (metrics) this.set(pick(metrics));
        },
      });

    this.batchesSent = new Counter({
      name: 'vigil_agent_batches_sent_total',
      help: 'Sample batches the publisher took.',
      registers,
    });
    this.collectorDuration = new Gauge({
      name: 'vigil_agent_collector_duration_seconds',
      help: 'How long the last run of a collector took.',
      labelNames: ['collector'],
      registers,
    });
    this.collectorSuccess = new Gauge({
      name: 'vigil_agent_collector_success',
      help: 'Whether the last run of a collector succeeded (1) or failed (0).',
      labelNames: ['collector'],
      registers,
    });
    this.own = [
      this.batchesSent,
      fromSpool(
        SpoolMetric.spooled,
        'Messages written to the spool because NATS did not take them.',
        (m) => m.spooledTotal,
      ),
      fromSpool(SpoolMetric.replayed, 'Spooled messages that reached NATS later.', (m) => m.replayedTotal),
      fromSpool(
        SpoolMetric.dropped,
        'Spooled messages lost: spool full, unreadable, or refused by NATS.',
        (m) => m.droppedTotal,
      ),
      spoolGauge(SpoolMetric.bytes, 'Bytes the spool holds on disk.', (m) => m.bytes),
      spoolGauge(SpoolMetric.messages, 'Messages waiting in the spool.', (m) => m.messages),
      new Counter({
        name: 'vigil_agent_publish_errors_total',
        help: 'Messages lost because their publish failed (and they were not spooled), by kind.',
        labelNames: ['kind'],
        registers,
        collect() {
          this.reset();
          for (const kind of Object.keys(MESSAGE_KINDS) as MessageKind[]) this.inc({ kind }, failures(kind));
        },
      }),
      this.collectorDuration,
      this.collectorSuccess,
    ];
  }

  batchSent(): void {
    this.batchesSent.inc();
  }

  publishFailed(kind: MessageKind): void {
    this.publishFailures.set(kind, (this.publishFailures.get(kind) ?? 0) + 1);
  }

  /** For failed publishes of `kind` that another part of the agent counts. */
  observePublishFailures(kind: MessageKind, count: CountSource): void {
    this.publishFailureSources.set(kind, count);
  }

  collectorRan(collector: string, durationSeconds: number, success: boolean): void {
    this.collectors.add(collector);
    this.collectorDuration.set({ collector }, durationSeconds);
    this.collectorSuccess.set({ collector }, success ? 1 : 0);
  }

  /** Forgets the collectors not in `names`, so a disabled collector stops being reported. */
  keepCollectors(names: readonly string[]): void {
    for (const collector of this.collectors) {
      if (names.includes(collector)) continue;
      this.collectors.delete(collector);
      this.collectorDuration.remove({ collector });
      this.collectorSuccess.remove({ collector });
    }
  }

  /** Where the spool metrics come from; until this is called they stay at zero. */
  observeSpool(metrics: () => SpoolMetrics): void {
    this.spool = metrics;
  }

  /** The current values as batch samples (the registry's default labels are left to the batch's node). */
  async samples(): Promise<Sample[]> {
    const metrics = await Promise.all(this.own.map((metric) => metric.get()));
    return metrics.flatMap(({ name, values }) =>
      values.map(({ labels, value }) => ({
        name,
        labels: Object.fromEntries(Object.entries(labels).map(([key, label]) => [key, String(label)])),
        value,
      })),
    );
  }
}
