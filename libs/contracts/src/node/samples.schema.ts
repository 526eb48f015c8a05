import { z } from 'zod';
import { Labels, NodeId } from '../common.schema';

/** Prometheus metric name with unit suffix, e.g. `node_cpu_usage_percent`. */
export const MetricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'invalid metric name').max(200);

export const Sample = z.object({
  name: MetricName,
  labels: Labels.default({}),
  value: z.number().refine(Number.isFinite, 'must be a finite number'),
});
export type Sample = z.infer<typeof Sample>;

/**
 * All samples of one collection tick of one node, on `telemetry.samples.<p>.<nodeId>`.
 * `seq` strictly increases over the node's whole life (persisted by the agent; it may jump
 * forward across a restart, never back), and the publish uses `Nats-Msg-Id = <nodeId>:<seq>`
 * so a retried publish is stored once.
 */
export const SampleBatch = z.object({
  nodeId: NodeId,
  seq: z.number().int().nonnegative(),
  /** Unix milliseconds of the collection tick. */
  timestamp: z.number().int().positive(),
  intervalMs: z.number().int().positive(),
  samples: z.array(Sample).max(20_000),
});
export type SampleBatch = z.infer<typeof SampleBatch>;

export function sampleBatchMsgId(nodeId: string, seq: number): string {
  return `${nodeId}:${seq}`;
}

/**
 * Metric names the platform itself relies on (Prometheus conventions, unit suffixes). `_total`
 * names are raw counters; the node agent also sends the rates that matter as `_per_second`,
 * `_ratio` or `_percent` samples, so consumers need no rate arithmetic.
 */
export const NodeMetric = {
  /** Labels `cpu`, `mode` (user, nice, system, idle, iowait, irq, softirq, steal). */
  cpuSecondsTotal: 'node_cpu_seconds_total',
  /** All CPUs without a label; one CPU with label `cpu`. */
  cpuUsagePercent: 'node_cpu_usage_percent',
  /** All CPUs, label `mode`. */
  cpuModePercent: 'node_cpu_mode_percent',
  load1: 'node_load1',
  load5: 'node_load5',
  load15: 'node_load15',
  memoryTotalBytes: 'node_memory_total_bytes',
  memoryUsedBytes: 'node_memory_used_bytes',
  memoryAvailableBytes: 'node_memory_available_bytes',
  memoryUsedRatio: 'node_memory_used_ratio',
  memoryCachedBytes: 'node_memory_cached_bytes',
  memoryBuffersBytes: 'node_memory_buffers_bytes',
  memorySwapTotalBytes: 'node_memory_swap_total_bytes',
  memorySwapUsedBytes: 'node_memory_swap_used_bytes',
  /** Filesystem metrics have the label `mount`. */
  filesystemSizeBytes: 'node_filesystem_size_bytes',
  filesystemUsedBytes: 'node_filesystem_used_bytes',
  filesystemAvailBytes: 'node_filesystem_avail_bytes',
  filesystemUsedRatio: 'node_filesystem_used_ratio',
  filesystemFiles: 'node_filesystem_files',
  filesystemFilesFree: 'node_filesystem_files_free',
  /** Disk metrics have the label `device`. */
  diskReadsCompletedTotal: 'node_disk_reads_completed_total',
  diskWritesCompletedTotal: 'node_disk_writes_completed_total',
  diskReadBytesTotal: 'node_disk_read_bytes_total',
  diskWrittenBytesTotal: 'node_disk_written_bytes_total',
  diskIoTimeSecondsTotal: 'node_disk_io_time_seconds_total',
  diskReadsCompletedPerSecond: 'node_disk_reads_completed_per_second',
  diskWritesCompletedPerSecond: 'node_disk_writes_completed_per_second',
  diskReadBytesPerSecond: 'node_disk_read_bytes_per_second',
  diskWrittenBytesPerSecond: 'node_disk_written_bytes_per_second',
  /** Share of the time the device had I/O in flight (the rate of node_disk_io_time_seconds_total). */
  diskBusyRatio: 'node_disk_busy_ratio',
  /** Network metrics have the label `device`. */
  networkReceiveBytesTotal: 'node_network_receive_bytes_total',
  networkTransmitBytesTotal: 'node_network_transmit_bytes_total',
  networkReceivePacketsTotal: 'node_network_receive_packets_total',
  networkTransmitPacketsTotal: 'node_network_transmit_packets_total',
  networkReceiveErrsTotal: 'node_network_receive_errs_total',
  networkTransmitErrsTotal: 'node_network_transmit_errs_total',
  networkReceiveDropTotal: 'node_network_receive_drop_total',
  networkTransmitDropTotal: 'node_network_transmit_drop_total',
  networkReceiveBytesPerSecond: 'node_network_receive_bytes_per_second',
  networkTransmitBytesPerSecond: 'node_network_transmit_bytes_per_second',
  networkReceivePacketsPerSecond: 'node_network_receive_packets_per_second',
  networkTransmitPacketsPerSecond: 'node_network_transmit_packets_per_second',
  procsTotal: 'node_procs_total',
  procsRunning: 'node_procs_running',
  procsBlocked: 'node_procs_blocked',
  procsZombie: 'node_procs_zombie',
  /** Labels `chip`, `sensor`. */
  hwmonTempCelsius: 'node_hwmon_temp_celsius',
  /** Labels `zone`, `type`. */
  thermalZoneTempCelsius: 'node_thermal_zone_temp_celsius',
  /** GPU metrics have the label `gpu` (the index); the node agent adds `uuid` and `name`. */
  gpuUtilizationPercent: 'node_gpu_utilization_percent',
  gpuMemoryUsedBytes: 'node_gpu_memory_used_bytes',
  gpuMemoryTotalBytes: 'node_gpu_memory_total_bytes',
  gpuMemoryUsedRatio: 'node_gpu_memory_used_ratio',
  gpuTemperatureCelsius: 'node_gpu_temperature_celsius',
  gpuPowerWatts: 'node_gpu_power_watts',
  gpuFanPercent: 'node_gpu_fan_percent',
  uptimeSeconds: 'node_uptime_seconds',
} as const;
