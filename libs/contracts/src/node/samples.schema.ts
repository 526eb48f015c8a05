import * as z from 'zod';
import { Labels, NodeId } from '../common.schema';
import { ValidationError } from '../errors';
import { LABEL_NAME_PATTERN, METRIC_NAME_PATTERN } from '../patterns';
import { labelsKey } from '../metrics/tiers';
import { encodeJson, parseJson, storableText, UNSTORABLE_TEXT_MESSAGE, validate } from '../validation';
import { checkSeriesLimits, SERIES_LIMITS, SeriesLimitError } from './series-limits';

/** Most samples one batch may hold (the `series_per_batch` limit). */
export const MAX_SAMPLES = SERIES_LIMITS.series_per_batch;

/** Prometheus metric name with unit suffix, e.g. `node_cpu_usage_percent`. */
export const MetricName = z
  .string()
  .regex(METRIC_NAME_PATTERN, 'invalid metric name')
  .max(SERIES_LIMITS.metric_name_bytes, `limit metric_name_bytes (${SERIES_LIMITS.metric_name_bytes}) exceeded`);

/** One sample; its series within SERIES_LIMITS (the issue's message names the limit broken). */
export const Sample = z
  .object({
    name: MetricName,
    labels: Labels.default({}),
    value: z.number().refine(Number.isFinite, 'must be a finite number'),
  })
  .superRefine((s, ctx) => {
    try {
      checkSeriesLimits(s.name, s.labels);
    } catch (e) {
      if (!(e instanceof SeriesLimitError)) throw e;
      ctx.addIssue({ code: 'custom', path: ['labels'], message: e.message });
    }
  });
export type Sample = z.infer<typeof Sample>;

const tooManySeries = `limit series_per_batch (${SERIES_LIMITS.series_per_batch}) exceeded`;

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
  samples: z.array(Sample).max(MAX_SAMPLES, tooManySeries),
});
export type SampleBatch = z.infer<typeof SampleBatch>;

/**
 * The wire form of a batch (version 2, columnar). A tick's samples are sent as one string
 * naming its series, one line each (`<metric><labelsKey>`, labelsKey being the canonical
 * JSON of the labels), and one array of values in the same order:
 *
 *   {"v":2,"nodeId":"web-1","seq":7,"timestamp":…,"intervalMs":1000,
 *    "series":"node_load1{}\nnode_cpu_usage_percent{\"cpu\":\"0\"}","values":[0.5,12]}
 *
 * An agent sends the same series in the same order tick after tick, so a consumer that
 * keeps the node's last `series` string compares one string instead of decoding fifty
 * sample objects with their label objects: decoding and garbage both shrink several-fold
 * on the ingest hot path. Version 1 (`samples` as objects, no `v`) is still accepted, so
 * batches spooled by an older agent are not lost.
 */
export const SAMPLE_BATCH_WIRE_VERSION = 2;
const MAX_SERIES_CHARS = 8 * 1024 * 1024;

/** The series of one batch, decoded from its `series` string. */
export interface SeriesList {
  names: string[];
  labels: Record<string, string>[];
  /** labelsKey(labels) of each series (the line without its metric name). */
  labelsKeys: string[];
}

/** One line of a batch's `series` string. */
export function seriesLine(name: string, labels: Readonly<Record<string, string>>): string {
  return name + labelsKey(labels);
}

/**
 * Decodes and checks a `series` string: each line a valid metric name followed by the
 * canonical JSON of valid labels (what `seriesLine` writes). Throws a ValidationError
 * naming the first bad line.
 */
export function parseSeriesList(series: string): SeriesList {
  if (series.length > MAX_SERIES_CHARS) throw new ValidationError(`longer than ${MAX_SERIES_CHARS} characters`);
  const lines = series.length === 0 ? [] : series.split('\n');
  if (lines.length > MAX_SAMPLES) throw new SeriesLimitError('series_per_batch', `${lines.length} series`);
  const out: SeriesList = {
    names: new Array(lines.length),
    labels: new Array(lines.length),
    labelsKeys: new Array(lines.length),
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const brace = line.indexOf('{');
    const name = brace < 0 ? line : line.slice(0, brace);
    if (name.length > SERIES_LIMITS.metric_name_bytes)
      throw new SeriesLimitError('metric_name_bytes', `line ${i + 1}: metric name of ${name.length} bytes`);
    if (!METRIC_NAME_PATTERN.test(name)) throw new ValidationError(`line ${i + 1}: invalid metric name`);
    const key = brace < 0 ? '' : line.slice(brace);
    let labels: unknown;
    try {
      labels = JSON.parse(key);
    } catch {
      labels = undefined;
    }
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
      throw new ValidationError(`line ${i + 1}: labels are not a JSON object`);
    }
    for (const [k, v] of Object.entries(labels)) {
      if (!LABEL_NAME_PATTERN.test(k))
        throw new ValidationError(`line ${i + 1}: invalid label name ${JSON.stringify(k)}`);
      if (typeof v !== 'string') throw new ValidationError(`line ${i + 1}: label ${k} is not a string`);
      if (!storableText(v)) throw new ValidationError(`line ${i + 1}: label ${k} ${UNSTORABLE_TEXT_MESSAGE}`);
    }
    checkSeriesLimits(name, labels as Record<string, string>, `line ${i + 1}: `);
    const canonical = labelsKey(labels as Record<string, string>);
    if (canonical !== key) throw new ValidationError(`line ${i + 1}: labels are not in canonical form (${canonical})`);
    out.names[i] = name;
    out.labels[i] = labels as Record<string, string>;
    out.labelsKeys[i] = key;
  }
  return out;
}

const ColumnarSampleBatch = z
  .object({
    v: z.literal(SAMPLE_BATCH_WIRE_VERSION),
    nodeId: NodeId,
    seq: z.number().int().nonnegative(),
    timestamp: z.number().int().positive(),
    intervalMs: z.number().int().positive(),
    series: z.string(),
    values: z.array(z.number().refine(Number.isFinite, 'must be a finite number')).max(MAX_SAMPLES, tooManySeries),
  })
  .transform((b, ctx): SampleBatch => {
    let list: SeriesList;
    try {
      list = parseSeriesList(b.series);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['series'], message: (e as Error).message });
      return z.NEVER;
    }
    if (list.names.length !== b.values.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `${b.values.length} values for ${list.names.length} series`,
      });
      return z.NEVER;
    }
    const samples = b.values.map((value, i) => ({ name: list.names[i], labels: list.labels[i], value }));
    return { nodeId: b.nodeId, seq: b.seq, timestamp: b.timestamp, intervalMs: b.intervalMs, samples };
  });

/**
 * A batch as it arrives, version 2 (columnar, with `v`) or version 1 (samples as objects),
 * validated and returned as a SampleBatch either way. Producers encode with
 * `encodeSampleBatch`.
 */
export function readSampleBatch(value: unknown, what = 'sample batch'): SampleBatch {
  const columnar = typeof value === 'object' && value !== null && 'v' in value;
  return columnar ? validate(ColumnarSampleBatch, value, what) : validate(SampleBatch, value, what);
}

export function decodeSampleBatch(data: Uint8Array, what = 'sample batch'): SampleBatch {
  return readSampleBatch(parseJson(data, what), what);
}

/** Label keys of label objects already seen (producers reuse their label objects). */
const labelsKeyCache = new WeakMap<object, string>();

/** The wire form (version 2) of a batch that is already valid (sampleBatchMessage checks it). */
export function encodeSampleBatch(batch: SampleBatch): Uint8Array {
  const samples = batch.samples;
  let series = '';
  const values = new Array<number>(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    const labels = s.labels ?? {};
    let key = labelsKeyCache.get(labels);
    if (key === undefined) labelsKeyCache.set(labels, (key = labelsKey(labels)));
    series += (i ? '\n' : '') + s.name + key;
    values[i] = s.value;
  }
  const { nodeId, seq, timestamp, intervalMs } = batch;
  return encodeJson({ v: SAMPLE_BATCH_WIRE_VERSION, nodeId, seq, timestamp, intervalMs, series, values });
}

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
