import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { NVIDIA_SMI_NOT_AVAILABLE, NVIDIA_SMI_TWO_GPUS } from './fixtures/nvidia-smi.fixtures';
import { findOnPath, GpuCollector, gpuSamples, NVIDIA_SMI_ARGS, parseNvidiaSmi } from './gpu.collector';

const MIB = 1024 * 1024;

describe('parseNvidiaSmi', () => {
  it('reads every GPU of a captured two-GPU output', () => {
    const gpus = parseNvidiaSmi(NVIDIA_SMI_TWO_GPUS);
    expect(gpus).toHaveLength(2);
    expect(gpus[0]).toEqual({
      index: '0',
      uuid: 'GPU-8f5c2a1e-3b4d-4c6e-9f70-1a2b3c4d5e6f',
      name: 'NVIDIA RTX A6000',
      utilizationPercent: 97,
      memoryUsedBytes: 43012 * MIB,
      memoryTotalBytes: 49140 * MIB,
      temperatureCelsius: 78,
      powerWatts: 287.34,
      fanPercent: 71,
    });
    expect(gpus[1]).toMatchObject({ index: '1', utilizationPercent: 0, powerWatts: 21.86, fanPercent: 30 });
  });

  it('leaves out values nvidia-smi does not have and keeps a name with a comma whole', () => {
    expect(parseNvidiaSmi(NVIDIA_SMI_NOT_AVAILABLE)[0]).toMatchObject({
      temperatureCelsius: 31,
      powerWatts: undefined,
      fanPercent: undefined,
    });
    const odd = '3, GPU-1, Tesla K80, rev B, 1, 2, 4, 5, [Not Supported], 10\n';
    expect(parseNvidiaSmi(odd)[0]).toMatchObject({
      name: 'Tesla K80, rev B',
      utilizationPercent: 1,
      temperatureCelsius: 5,
      fanPercent: 10,
    });
  });

  it('rejects a line with too few fields', () => {
    expect(() => parseNvidiaSmi('0, GPU-1, 5\n')).toThrow(/unexpected nvidia-smi line/);
  });
});

describe('gpuSamples', () => {
  it('makes no sample for an absent value and no ratio without the total', () => {
    const [a100] = parseNvidiaSmi(NVIDIA_SMI_NOT_AVAILABLE);
    const names = gpuSamples(a100).map((s) => s.name);
    expect(names).not.toContain('node_gpu_power_watts');
    expect(names).not.toContain('node_gpu_fan_percent');
    expect(gpuSamples({ index: '0', uuid: 'u', name: 'n', memoryUsedBytes: 5 }).map((s) => s.name)).toEqual([
      'node_gpu_memory_used_bytes',
    ]);
  });
});

describe('GpuCollector with a fake nvidia-smi on the PATH', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-gpu-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Installs an nvidia-smi that insists on the collector's exact arguments. */
  async function fakeNvidiaSmi(body: string): Promise<NodeJS.ProcessEnv> {
    const script = path.join(dir, 'nvidia-smi');
    const expected = NVIDIA_SMI_ARGS.join(' ');
    await writeFile(
      script,
      `#!/bin/sh\n[ "$*" = "${expected}" ] || { echo "unexpected arguments: $*" >&2; exit 2; }\n${body}\n`,
    );
    await chmod(script, 0o755);
    return { PATH: `${dir}:${process.env.PATH ?? ''}` };
  }

  const logger = pino({ level: 'silent' });

  it('reports every GPU with labels gpu, uuid and name', async () => {
    const env = await fakeNvidiaSmi(`cat <<'EOF'\n${NVIDIA_SMI_TWO_GPUS}EOF`);
    const samples = await new GpuCollector({ env, logger }).collect();
    const gpu0 = { gpu: '0', uuid: 'GPU-8f5c2a1e-3b4d-4c6e-9f70-1a2b3c4d5e6f', name: 'NVIDIA RTX A6000' };
    expect(samples.filter((s) => s.labels.gpu === '0')).toEqual([
      { name: 'node_gpu_utilization_percent', labels: gpu0, value: 97 },
      { name: 'node_gpu_memory_used_bytes', labels: gpu0, value: 43012 * MIB },
      { name: 'node_gpu_memory_total_bytes', labels: gpu0, value: 49140 * MIB },
      { name: 'node_gpu_memory_used_ratio', labels: gpu0, value: 43012 / 49140 },
      { name: 'node_gpu_temperature_celsius', labels: gpu0, value: 78 },
      { name: 'node_gpu_power_watts', labels: gpu0, value: 287.34 },
      { name: 'node_gpu_fan_percent', labels: gpu0, value: 71 },
    ]);
    expect(samples.filter((s) => s.labels.gpu === '1')).toHaveLength(7);
  });

  it('finds nvidia-smi only where it is executable', async () => {
    const env = await fakeNvidiaSmi('exit 0');
    expect(findOnPath('nvidia-smi', env)).toBe(path.join(dir, 'nvidia-smi'));
    await chmod(path.join(dir, 'nvidia-smi'), 0o644);
    expect(findOnPath('nvidia-smi', { PATH: dir })).toBeUndefined();
    expect(findOnPath('nvidia-smi', {})).toBeUndefined();
  });

  it('reports nothing and logs once at debug where nvidia-smi is not on the PATH', async () => {
    const debug = jest.spyOn(logger, 'debug');
    const collector = new GpuCollector({ env: { PATH: dir }, logger });
    expect(await collector.collect()).toEqual([]);
    expect(await collector.collect()).toEqual([]);
    expect(debug).toHaveBeenCalledTimes(1);
    debug.mockRestore();
  });

  it('reports nothing where the driver sees no GPU', async () => {
    const env = await fakeNvidiaSmi('echo "No devices were found"; exit 6');
    expect(await new GpuCollector({ env, logger }).collect()).toEqual([]);
  });

  it('fails when nvidia-smi fails, and does not start another while one is running', async () => {
    const failing = await fakeNvidiaSmi(
      'echo "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver."; exit 9',
    );
    await expect(new GpuCollector({ env: failing, logger }).collect()).rejects.toThrow();

    const slow = await fakeNvidiaSmi('sleep 0.3');
    const collector = new GpuCollector({ env: slow, logger });
    const first = collector.collect();
    await expect(collector.collect()).rejects.toThrow(/has not finished/);
    expect(await first).toEqual([]);
  });
});
