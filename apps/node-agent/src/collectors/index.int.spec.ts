import pino from 'pino';
import { systemClock } from '../clock';
import type { CollectorRunReporter } from './collector-runner';
import { requirePlatform } from '@vigil/test-support';
import { CollectorRunner, createHostCollectors } from './index';

/** Every collector against this host's real /proc, /sys, filesystems and PATH. */
const linux = requirePlatform('linux');
const onLinux = linux ? describe : describe.skip;

onLinux('host collectors', () => {
  it('all succeed twice in a row, absent sources (sensors, GPUs) included', async () => {
    const logger = pino({ level: 'silent' });
    const success: Record<string, number> = {};
    const report: CollectorRunReporter = {
      collectorRan: (collector, _duration, ok) => (success[collector] = ok ? 1 : 0),
    };
    const runner = new CollectorRunner(createHostCollectors({ clock: systemClock, logger }), {
      clock: systemClock,
      logger,
      report,
      sampleMs: 1000,
      timeoutMs: 5000,
    });
    await runner.collect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const samples = await runner.collect();
    expect(success).toEqual({
      cpu: 1,
      load: 1,
      memory: 1,
      filesystem: 1,
      diskio: 1,
      network: 1,
      processes: 1,
      uptime: 1,
      temperature: 1,
      gpu: 1,
    });
    const names = new Set(samples.map((s) => s.name));
    for (const name of [
      'node_cpu_usage_percent',
      'node_cpu_seconds_total',
      'node_memory_used_bytes',
      'node_procs_running',
      'node_uptime_seconds',
    ]) {
      expect(names).toContain(name);
    }
  });
});
