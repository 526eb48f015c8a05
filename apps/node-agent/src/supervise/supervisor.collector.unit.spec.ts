import { fixtureFileReader } from '../collectors/file-reader';
import { SupervisorCollector } from './supervisor.collector';

const stat = '77 (telegraf) S 1 77 77 0 -1 0 0 0 0 0 100 50 0 0 20 0 9 0 1 1 1';

describe('SupervisorCollector', () => {
  it('reports every process, with CPU and memory for the running ones', async () => {
    const collector = new SupervisorCollector({
      supervisor: {
        statuses: () => [
          { name: 'telegraf', pid: 77, up: true, healthy: true, restarts: 2 },
          { name: 'filebeat', up: false, healthy: false, restarts: 10 },
        ],
      },
      proc: fixtureFileReader({ '77/stat': stat, '77/status': 'VmRSS:\t 1000 kB\n' }),
    });
    expect(await collector.collect()).toEqual([
      { name: 'vigil_supervised_process_up', labels: { process: 'telegraf' }, value: 1 },
      { name: 'vigil_supervised_process_healthy', labels: { process: 'telegraf' }, value: 1 },
      { name: 'vigil_supervised_process_restarts_total', labels: { process: 'telegraf' }, value: 2 },
      { name: 'vigil_supervised_process_cpu_seconds_total', labels: { process: 'telegraf' }, value: 1.5 },
      { name: 'vigil_supervised_process_resident_memory_bytes', labels: { process: 'telegraf' }, value: 1_024_000 },
      { name: 'vigil_supervised_process_up', labels: { process: 'filebeat' }, value: 0 },
      { name: 'vigil_supervised_process_healthy', labels: { process: 'filebeat' }, value: 0 },
      { name: 'vigil_supervised_process_restarts_total', labels: { process: 'filebeat' }, value: 10 },
    ]);
  });
});
