import { hash32, seededRandom } from './prng';

export type NodeRole = 'web' | 'api' | 'db' | 'cache' | 'batch' | 'gpu';

const CPU_ROLES: readonly NodeRole[] = ['web', 'api', 'db', 'cache', 'batch'];
/** Where the fleet runs; the offset from UTC sets each node's daily rhythm. */
const REGIONS = [
  { region: 'us-west', offsetHours: -8 },
  { region: 'us-east', offsetHours: -5 },
  { region: 'eu-west', offsetHours: 0 },
  { region: 'eu-central', offsetHours: 1 },
  { region: 'ap-east', offsetHours: 8 },
  { region: 'ap-northeast', offsetHours: 9 },
] as const;
const GIB = 1024 ** 3;
const DAY_MS = 86_400_000;
/** Simulated hosts booted some days before this instant. */
const BOOT_EPOCH_MS = Date.UTC(2025, 0, 1);

/** Everything fixed about one simulated node: identity, hardware and the parameters of its curves. */
export interface NodeProfile {
  index: number;
  nodeId: string;
  hostname: string;
  role: NodeRole;
  /** Feeds every noise function of this node. */
  key: number;
  region: string;
  timezoneOffsetHours: number;
  bootedAtMs: number;
  cores: number;
  memoryBytes: number;
  cpu: { baselinePercent: number; diurnalAmplitudePercent: number };
  memory: { baseRatio: number; sawtoothRatio: number; gcPeriodMs: number };
  rootDisk: { sizeBytes: number; usedRatio: number };
  dataDisk: { sizeBytes: number; baseRatio: number; fill?: { periodMs: number; phaseMs: number } };
  network: { receiveBytesPerSecond: number; transmitFactor: number };
  /** 0 for nodes without GPUs. */
  gpuCount: number;
  /** The one GPU node of the fleet whose GPUs run above 85 °C. */
  hotGpu: boolean;
}

export interface ProfileOptions {
  seed: number;
  namePrefix: string;
}

/** Every 5th node is a GPU node; the first of them runs hot. Every 4th node (from the 3rd) fills its data disk. */
export const isGpuNode = (index: number): boolean => index % 5 === 4;
export const isHotGpuNode = (index: number): boolean => index === 4;
export const fillsDataDisk = (index: number): boolean => index % 4 === 2;

export function nodeIdOf(opts: ProfileOptions, index: number): string {
  return `${opts.namePrefix}-${opts.seed}-${String(index).padStart(4, '0')}`;
}

/** The same seed, prefix and index always give the same profile. */
export function createNodeProfile(opts: ProfileOptions, index: number): NodeProfile {
  const key = hash32(opts.seed, index);
  const random = seededRandom(key);
  const between = (min: number, max: number) => min + (max - min) * random();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

  const gpu = isGpuNode(index);
  const role = gpu ? 'gpu' : pick(CPU_ROLES);
  const cores = gpu ? pick([32, 64, 96]) : pick([4, 8, 16, 32]);
  const { region, offsetHours } = pick(REGIONS);
  return {
    index,
    nodeId: nodeIdOf(opts, index),
    hostname: `${opts.namePrefix}-${role}-${String(index).padStart(2, '0')}`,
    role,
    key,
    region,
    timezoneOffsetHours: offsetHours,
    bootedAtMs: BOOT_EPOCH_MS - Math.floor(between(1, 90) * DAY_MS),
    cores,
    memoryBytes: (gpu ? pick([256, 512]) : pick([8, 16, 32, 64, 128])) * GIB,
    cpu: { baselinePercent: between(5, 25), diurnalAmplitudePercent: between(10, 45) },
    memory: {
      baseRatio: between(0.3, 0.6),
      sawtoothRatio: between(0.05, 0.15),
      gcPeriodMs: Math.floor(between(60_000, 300_000)),
    },
    rootDisk: { sizeBytes: pick([50, 100, 200]) * GIB, usedRatio: between(0.2, 0.6) },
    dataDisk: {
      sizeBytes: pick([500, 1000, 2000, 4000]) * GIB,
      baseRatio: between(0.2, 0.5),
      fill: fillsDataDisk(index)
        ? { periodMs: Math.floor(between(2, 6) * 3_600_000), phaseMs: Math.floor(random() * DAY_MS) }
        : undefined,
    },
    network: { receiveBytesPerSecond: between(50_000, 5_000_000), transmitFactor: between(0.3, 3) },
    gpuCount: gpu ? pick([2, 4, 8]) : 0,
    hotGpu: isHotGpuNode(index),
  };
}
