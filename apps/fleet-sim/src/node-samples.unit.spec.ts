import { Sample, z } from '@vigil/contracts';
import { createNodeProfile } from './node-profile';
import { nodeSamplesAt } from './node-samples';

const T0 = Date.UTC(2025, 5, 2, 10);
const opts = { seed: 1, namePrefix: 'sim' };

describe('nodeSamplesAt', () => {
  it('reports every node metric, valid by the contract, with GPU metrics only on GPU nodes', () => {
    const cpuNode = nodeSamplesAt(createNodeProfile(opts, 0), T0);
    const gpuNode = nodeSamplesAt(createNodeProfile(opts, 4), T0);
    expect(z.array(Sample).parse(cpuNode)).toEqual(cpuNode);
    expect(z.array(Sample).parse(gpuNode)).toEqual(gpuNode);
    const names = new Set(cpuNode.map((s) => s.name));
    for (const name of [
      'node_cpu_usage_percent',
      'node_load15',
      'node_memory_used_ratio',
      'node_network_receive_bytes_total',
      'node_uptime_seconds',
    ]) {
      expect(names).toContain(name);
    }
    expect(cpuNode.find((s) => s.name === 'node_filesystem_used_ratio' && s.labels.mount === '/data')).toBeDefined();
    expect(names.has('node_gpu_temperature_celsius')).toBe(false);
    const temperatures = gpuNode.filter((s) => s.name === 'node_gpu_temperature_celsius');
    expect(temperatures.length).toBe(createNodeProfile(opts, 4).gpuCount);
    expect(temperatures.map((s) => s.labels.gpu)).toEqual(temperatures.map((_, i) => String(i)));
  });

  it('is deterministic: the same seed gives the same samples', () => {
    expect(nodeSamplesAt(createNodeProfile(opts, 6), T0)).toEqual(nodeSamplesAt(createNodeProfile(opts, 6), T0));
    expect(nodeSamplesAt(createNodeProfile({ ...opts, seed: 2 }, 6), T0)).not.toEqual(
      nodeSamplesAt(createNodeProfile(opts, 6), T0),
    );
  });

  it('is cheap enough for a thousand nodes every second', () => {
    // The simulator must produce a thousand nodes' tick in well under the second it covers (at
    // most three quarters of it). What is measured is this process' CPU time, not the wall clock,
    // and the best of three warm runs is taken: a test worker sharing the two cores with others
    // (the million-series memory test beside it) is not judged by the time the scheduler gave to
    // them. Measured 2026-12-07 with a CI run beside it: 500-590 ms a tick.
    const fleet = Array.from({ length: 1000 }, (_, i) => createNodeProfile(opts, i));
    const runs = [0, 1, 2, 3].map((tick) => {
      const started = process.cpuUsage();
      for (const p of fleet) nodeSamplesAt(p, T0 + tick * 1000);
      const used = process.cpuUsage(started);
      return (used.user + used.system) / 1000;
    });
    expect(Math.min(...runs.slice(1))).toBeLessThan(750);
  });
});
