import { NodeMetric, type Sample } from '@vigil/contracts';
import type { NodeProfile } from './node-profile';
import { cpuUsagePercent, loadAverages } from './shapes/cpu.shape';
import { dataUsedRatio, rootUsedRatio } from './shapes/filesystem.shape';
import { gpuMemoryUsedRatio, gpuTemperatureCelsius, gpuUtilizationPercent } from './shapes/gpu.shape';
import { memoryUsedRatio } from './shapes/memory.shape';
import { networkBytesPerSecond, networkBytesTotal } from './shapes/network.shape';

const sample = (name: string, value: number, labels: Record<string, string> = {}): Sample => ({ name, labels, value });

function filesystemSamples(mount: string, sizeBytes: number, usedRatio: number): Sample[] {
  const labels = { mount };
  return [
    sample(NodeMetric.filesystemSizeBytes, sizeBytes, labels),
    sample(NodeMetric.filesystemUsedBytes, Math.round(sizeBytes * usedRatio), labels),
    sample(NodeMetric.filesystemUsedRatio, usedRatio, labels),
  ];
}

function gpuSamples(profile: NodeProfile, timeMs: number): Sample[] {
  return Array.from({ length: profile.gpuCount }, (_, gpu) => {
    const labels = { gpu: String(gpu) };
    return [
      sample(NodeMetric.gpuUtilizationPercent, gpuUtilizationPercent(profile, gpu, timeMs), labels),
      sample(NodeMetric.gpuTemperatureCelsius, gpuTemperatureCelsius(profile, gpu, timeMs), labels),
      sample(NodeMetric.gpuMemoryUsedRatio, gpuMemoryUsedRatio(profile, gpu, timeMs), labels),
    ];
  }).flat();
}

/** Everything the real agent's collectors would report for this node at `timeMs`, and its GPUs. */
export function nodeSamplesAt(profile: NodeProfile, timeMs: number): Sample[] {
  const load = loadAverages(profile, timeMs);
  const memoryRatio = memoryUsedRatio(profile, timeMs);
  const memoryUsed = Math.round(profile.memoryBytes * memoryRatio);
  const nic = { device: 'eth0' };
  return [
    sample(NodeMetric.cpuUsagePercent, cpuUsagePercent(profile, timeMs)),
    sample(NodeMetric.load1, load.load1),
    sample(NodeMetric.load5, load.load5),
    sample(NodeMetric.load15, load.load15),
    sample(NodeMetric.memoryTotalBytes, profile.memoryBytes),
    sample(NodeMetric.memoryUsedBytes, memoryUsed),
    sample(NodeMetric.memoryAvailableBytes, profile.memoryBytes - memoryUsed),
    sample(NodeMetric.memoryUsedRatio, memoryRatio),
    ...filesystemSamples('/', profile.rootDisk.sizeBytes, rootUsedRatio(profile, timeMs)),
    ...filesystemSamples('/data', profile.dataDisk.sizeBytes, dataUsedRatio(profile, timeMs)),
    sample(NodeMetric.networkReceiveBytesTotal, networkBytesTotal(profile, 'receive', timeMs), nic),
    sample(NodeMetric.networkTransmitBytesTotal, networkBytesTotal(profile, 'transmit', timeMs), nic),
    sample(NodeMetric.networkReceiveBytesPerSecond, networkBytesPerSecond(profile, 'receive', timeMs), nic),
    sample(NodeMetric.networkTransmitBytesPerSecond, networkBytesPerSecond(profile, 'transmit', timeMs), nic),
    sample(NodeMetric.uptimeSeconds, (timeMs - profile.bootedAtMs) / 1000),
    ...gpuSamples(profile, timeMs),
  ];
}
