import type { Sample } from '@vigil/contracts';
import type { Collector } from '../collectors/collector';
import type { FileReader } from '../collectors/file-reader';
import type { ProcessStatus } from './process-supervisor';
import { readProcessUsage } from './process-usage';

export const SupervisedProcessMetric = {
  /** Of the running process: like any process CPU counter it starts from 0 again after a restart. */
  cpuSecondsTotal: 'vigil_supervised_process_cpu_seconds_total',
  residentMemoryBytes: 'vigil_supervised_process_resident_memory_bytes',
  up: 'vigil_supervised_process_up',
  restartsTotal: 'vigil_supervised_process_restarts_total',
  healthy: 'vigil_supervised_process_healthy',
} as const;

export interface SupervisorCollectorDeps {
  supervisor: { statuses(): ProcessStatus[] };
  /** /proc */
  proc: FileReader;
}

/** Per supervised process: up, healthy, restarts, and CPU and memory while it runs. */
export class SupervisorCollector implements Collector {
  readonly name = 'supervisor';

  constructor(private readonly deps: SupervisorCollectorDeps) {}

  async collect(): Promise<Sample[]> {
    const perProcess = await Promise.all(this.deps.supervisor.statuses().map((status) => this.samplesOf(status)));
    return perProcess.flat();
  }

  private async samplesOf(status: ProcessStatus): Promise<Sample[]> {
    const labels = { process: status.name };
    const samples: Sample[] = [
      { name: SupervisedProcessMetric.up, labels, value: status.up ? 1 : 0 },
      { name: SupervisedProcessMetric.healthy, labels, value: status.healthy ? 1 : 0 },
      { name: SupervisedProcessMetric.restartsTotal, labels, value: status.restarts },
    ];
    const usage = status.pid === undefined ? undefined : await readProcessUsage(this.deps.proc, status.pid);
    if (usage) samples.push({ name: SupervisedProcessMetric.cpuSecondsTotal, labels, value: usage.cpuSeconds });
    if (usage?.residentBytes !== undefined) {
      samples.push({ name: SupervisedProcessMetric.residentMemoryBytes, labels, value: usage.residentBytes });
    }
    return samples;
  }
}
