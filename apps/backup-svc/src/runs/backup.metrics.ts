import { Injectable } from '@nestjs/common';
import { Observability } from '@vigil/platform';
import { Gauge } from 'prom-client';
import { RunsReadModel } from './runs.read-model';

/**
 * The gauges every replica answers alike, read from the runs read model at each scrape: the last
 * success, its size, and the last drill's measured RTO, per job.
 */
@Injectable()
export class BackupMetrics {
  constructor(runs: RunsReadModel, obs: Observability) {
    let snapshot: Promise<Awaited<ReturnType<RunsReadModel['gauges']>>> | undefined;
    // One read per scrape, shared by the three gauges.
    const read = () => {
      snapshot ??= runs.gauges().finally(() => setTimeout(() => (snapshot = undefined), 1000).unref());
      return snapshot;
    };
    const gauge = (name: string, help: string, value: (g: Awaited<ReturnType<typeof read>>[number]) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['job'],
        registers: [obs.registry],
        async collect() {
          this.reset();
          for (const g of await read().catch(() => [])) {
            const v = value(g);
            if (v !== null) this.set({ job: g.job }, v);
          }
        },
      });
    gauge('vigil_backup_last_success_timestamp_seconds', 'When each backup job last succeeded (Unix seconds)', (g) =>
      g.lastSuccess ? g.lastSuccess.getTime() / 1000 : null,
    );
    gauge('vigil_backup_size_bytes', "The size of each job's last successful backup (all artifacts)", (g) => g.bytes);
    gauge(
      'vigil_restore_drill_rto_seconds',
      'The restore time the last passed restore drill of each job measured',
      (g) => g.rto,
    );
  }
}
