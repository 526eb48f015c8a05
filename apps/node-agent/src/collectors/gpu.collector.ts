import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { NodeMetric, type Sample } from '@vigil/contracts';
import type { Collector, CollectorDeps } from './collector';
import { MissingSource } from './missing-source';

const run = promisify(execFile);

export const NVIDIA_SMI_ARGS = [
  '--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,fan.speed',
  '--format=csv,noheader,nounits',
] as const;

/** nvidia-smi hangs when a GPU has fallen off the bus; it is killed after this long. */
const NVIDIA_SMI_TIMEOUT_MS = 10_000;

const MIB = 1024 * 1024;

/** One GPU as nvidia-smi reports it; a value it does not have (`[N/A]`, `[Not Supported]`) is absent. */
export interface GpuReading {
  index: string;
  uuid: string;
  name: string;
  utilizationPercent?: number;
  memoryUsedBytes?: number;
  memoryTotalBytes?: number;
  temperatureCelsius?: number;
  powerWatts?: number;
  fanPercent?: number;
}

const numberOrAbsent = (field: string): number | undefined =>
  /^-?\d+(\.\d+)?$/.test(field) ? Number(field) : undefined;

/**
 * Parses the CSV nvidia-smi prints for NVIDIA_SMI_ARGS, one GPU a line. The name comes between
 * two fixed fields and six numbers, so a comma in it does not shift the others.
 */
export function parseNvidiaSmi(text: string): GpuReading[] {
  const gpus: GpuReading[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < 9) throw new Error(`unexpected nvidia-smi line: "${line}"`);
    const [index, uuid] = fields;
    const [utilization, memoryUsed, memoryTotal, temperature, power, fan] = fields.slice(-6).map(numberOrAbsent);
    gpus.push({
      index,
      uuid,
      name: fields.slice(2, -6).join(', '),
      utilizationPercent: utilization,
      memoryUsedBytes: memoryUsed === undefined ? undefined : memoryUsed * MIB,
      memoryTotalBytes: memoryTotal === undefined ? undefined : memoryTotal * MIB,
      temperatureCelsius: temperature,
      powerWatts: power,
      fanPercent: fan,
    });
  }
  return gpus;
}

/** The samples of one GPU, labelled gpu (index), uuid and name; absent values make no sample. */
export function gpuSamples(gpu: GpuReading): Sample[] {
  const labels = { gpu: gpu.index, uuid: gpu.uuid, name: gpu.name };
  const { memoryUsedBytes: used, memoryTotalBytes: total } = gpu;
  const values: [string, number | undefined][] = [
    [NodeMetric.gpuUtilizationPercent, gpu.utilizationPercent],
    [NodeMetric.gpuMemoryUsedBytes, used],
    [NodeMetric.gpuMemoryTotalBytes, total],
    [NodeMetric.gpuMemoryUsedRatio, used !== undefined && total ? used / total : undefined],
    [NodeMetric.gpuTemperatureCelsius, gpu.temperatureCelsius],
    [NodeMetric.gpuPowerWatts, gpu.powerWatts],
    [NodeMetric.gpuFanPercent, gpu.fanPercent],
  ];
  return values.flatMap(([name, value]) => (value === undefined ? [] : [{ name, labels, value }]));
}

/**
 * Where `command` is on the PATH of `env`, as the shell would find it; `undefined` when nowhere.
 * Looking costs a few access(2) calls, where letting the spawn find out costs a fork of the
 * agent (~0.8 ms of CPU) on every run of every host without a GPU.
 */
export function findOnPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** nvidia-smi's exit status when the driver is loaded but sees no GPU. */
const NO_DEVICES_EXIT = 6;

/**
 * Per NVIDIA GPU: node_gpu_utilization_percent, node_gpu_memory_used_bytes,
 * node_gpu_memory_total_bytes, node_gpu_memory_used_ratio, node_gpu_temperature_celsius,
 * node_gpu_power_watts, node_gpu_fan_percent, through one `nvidia-smi` run (the only process the
 * agent spawns; each run loads the driver library, far more work than reading /proc, so hosts
 * that care give this collector a longer interval). No
 * nvidia-smi on the PATH, or no GPU, means no samples and one debug line.
 */
export class GpuCollector implements Collector {
  readonly name = 'gpu';
  private running = false;
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'env' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    // A hung nvidia-smi is not joined by another one every tick.
    if (this.running) throw new Error('the previous nvidia-smi has not finished');
    const nvidiaSmi = findOnPath('nvidia-smi', this.deps.env);
    if (nvidiaSmi === undefined) return this.missing.noSamples('nvidia-smi on the PATH');
    this.running = true;
    let stdout: string;
    try {
      ({ stdout } = await run(nvidiaSmi, NVIDIA_SMI_ARGS, {
        env: this.deps.env,
        timeout: NVIDIA_SMI_TIMEOUT_MS,
        killSignal: 'SIGKILL',
      }));
    } catch (e) {
      if ((e as { code?: unknown }).code === NO_DEVICES_EXIT) return this.missing.noSamples('a GPU nvidia-smi can see');
      throw e;
    } finally {
      this.running = false;
    }
    return parseNvidiaSmi(stdout).flatMap(gpuSamples);
  }
}
