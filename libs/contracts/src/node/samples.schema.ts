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

/** Metric names the platform itself relies on (Prometheus conventions, unit suffixes). */
export const NodeMetric = {
  cpuUsagePercent: 'node_cpu_usage_percent',
  load1: 'node_load1',
  load5: 'node_load5',
  load15: 'node_load15',
  memoryTotalBytes: 'node_memory_total_bytes',
  memoryUsedBytes: 'node_memory_used_bytes',
  memoryAvailableBytes: 'node_memory_available_bytes',
  memoryUsedRatio: 'node_memory_used_ratio',
  filesystemSizeBytes: 'node_filesystem_size_bytes',
  filesystemUsedBytes: 'node_filesystem_used_bytes',
  filesystemUsedRatio: 'node_filesystem_used_ratio',
  networkReceiveBytesTotal: 'node_network_receive_bytes_total',
  networkTransmitBytesTotal: 'node_network_transmit_bytes_total',
  networkReceiveBytesPerSecond: 'node_network_receive_bytes_per_second',
  networkTransmitBytesPerSecond: 'node_network_transmit_bytes_per_second',
  gpuUtilizationPercent: 'node_gpu_utilization_percent',
  gpuTemperatureCelsius: 'node_gpu_temperature_celsius',
  gpuMemoryUsedRatio: 'node_gpu_memory_used_ratio',
  uptimeSeconds: 'node_uptime_seconds',
} as const;
