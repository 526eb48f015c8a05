import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import type { Inventory } from '@vigil/contracts';
import { findOnPath } from '../collectors/gpu.collector';
import { createProcReader, createSysReader, type FileReader } from '../collectors/file-reader';

/** What the host is, without the agent's own fields (node id, labels, version, time). */
export type HostFacts = Pick<Inventory, 'os' | 'cpu' | 'memoryBytes' | 'disks' | 'interfaces' | 'gpus'>;
export type HostFactsSource = () => Promise<HostFacts>;

/** Where the facts come from: the kernel's files, /etc, Node's `os`, and nvidia-smi when it is on the PATH. */
export interface HostFactsDeps {
  proc: FileReader;
  sys: FileReader;
  /** The root filesystem, for `etc/os-release` and `usr/lib/os-release`. */
  root: FileReader;
  os: Pick<typeof os, 'platform' | 'release' | 'arch' | 'cpus' | 'totalmem' | 'networkInterfaces'>;
  /** nvidia-smi's CSV for NVIDIA_INVENTORY_ARGS; `undefined` without nvidia-smi or without a GPU. */
  nvidiaSmi: () => Promise<string | undefined>;
}

const MIB = 1024 * 1024;
/** `/sys/class/net/<if>/type` of a loopback device (ARPHRD_LOOPBACK). */
const ARPHRD_LOOPBACK = '772';
const AMD_VENDOR = '0x1002';

export const NVIDIA_INVENTORY_ARGS = ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'] as const;

/** os-release(5): `KEY=value` lines, the value optionally quoted with shell escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let value = m[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\([$"\\`])/g, '$1');
    }
    out[m[1]] = value;
  }
  return out;
}

/**
 * The CPU model and physical core count from /proc/cpuinfo: x86 has `model name` and a
 * `physical id` / `core id` per logical CPU; arm64 has neither (its model is `Model` on
 * some boards, its logical CPUs are cores), so the count falls back to the processors.
 */
export function parseCpuInfo(text: string): { model?: string; physicalCores: number } {
  let model: string | undefined;
  const cores = new Set<string>();
  let processors = 0;
  let physical = '';
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') processors++;
    else if ((key === 'model name' || key === 'Model') && model === undefined && value) model = value;
    else if (key === 'physical id') physical = value;
    else if (key === 'core id') cores.add(`${physical}:${value}`);
  }
  return { model, physicalCores: cores.size > 0 ? cores.size : processors };
}

/** nvidia-smi's CSV for NVIDIA_INVENTORY_ARGS: index, name (which may hold commas), memory in MiB. */
export function parseNvidiaInventory(text: string): { name: string; memoryBytes: number }[] {
  const gpus: { name: string; memoryBytes: number }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < 3) throw new Error(`unexpected nvidia-smi line: "${line}"`);
    const mib = Number(fields[fields.length - 1]);
    gpus.push({ name: fields.slice(1, -1).join(', '), memoryBytes: Number.isFinite(mib) ? mib * MIB : 0 });
  }
  return gpus;
}

async function osFacts(deps: HostFactsDeps): Promise<HostFacts['os']> {
  const text = (await deps.root.read('etc/os-release')) ?? (await deps.root.read('usr/lib/os-release'));
  const release = text === undefined ? {} : parseOsRelease(text);
  return {
    platform: deps.os.platform(),
    distro: release.NAME ?? release.ID ?? deps.os.platform(),
    release: release.VERSION_ID ?? '',
    kernel: deps.os.release(),
    arch: deps.os.arch(),
  };
}

async function cpuFacts(deps: HostFactsDeps): Promise<HostFacts['cpu']> {
  const logical = deps.os.cpus();
  const info = parseCpuInfo((await deps.proc.read('cpuinfo')) ?? '');
  return {
    model: info.model ?? logical[0]?.model ?? 'unknown',
    cores: logical.length,
    physicalCores: info.physicalCores || logical.length,
  };
}

/**
 * The block devices backed by hardware (or a hypervisor's): those with a `device` in /sys/block,
 * which loop, ram, zram, device-mapper and md devices have not. `size` counts 512-byte sectors.
 */
async function diskFacts(deps: HostFactsDeps): Promise<HostFacts['disks']> {
  const disks: HostFacts['disks'] = [];
  for (const name of ((await deps.sys.list('block')) ?? []).sort()) {
    if ((await deps.sys.readLink(`block/${name}/device`)) === undefined) continue;
    const sectors = Number((await deps.sys.read(`block/${name}/size`))?.trim() ?? 0);
    const rotational = (await deps.sys.read(`block/${name}/queue/rotational`))?.trim();
    const type = name.startsWith('nvme') ? 'NVMe' : rotational === '1' ? 'HD' : 'SSD';
    disks.push({ device: `/dev/${name}`, sizeBytes: Number.isFinite(sectors) ? sectors * 512 : 0, type });
  }
  return disks;
}

/** Every network interface but loopback, with its addresses (an interface that is down has none). */
async function interfaceFacts(deps: HostFactsDeps): Promise<HostFacts['interfaces']> {
  const addresses = deps.os.networkInterfaces();
  const names = (await deps.sys.list('class/net')) ?? Object.keys(addresses);
  const interfaces: HostFacts['interfaces'] = [];
  for (const name of [...names].sort()) {
    const own = addresses[name] ?? [];
    const type = (await deps.sys.read(`class/net/${name}/type`))?.trim();
    if (type === ARPHRD_LOOPBACK || own.some((a) => a.internal)) continue;
    const mac = (await deps.sys.read(`class/net/${name}/address`))?.trim() ?? own[0]?.mac ?? '';
    interfaces.push({
      name,
      mac,
      ipv4: own.filter((a) => a.family === 'IPv4').map((a) => a.address),
      ipv6: own.filter((a) => a.family === 'IPv6').map((a) => a.address),
    });
  }
  return interfaces;
}

/** NVIDIA GPUs from nvidia-smi, then AMD ones from amdgpu's sysfs (`mem_info_vram_total`, bytes). */
async function gpuFacts(deps: HostFactsDeps): Promise<HostFacts['gpus']> {
  // A broken nvidia-smi (a driver mismatch, a GPU fallen off the bus) leaves the GPUs out, not the whole inventory.
  const found = parseNvidiaInventory((await deps.nvidiaSmi().catch(() => undefined)) ?? '');
  for (const card of ((await deps.sys.list('class/drm')) ?? []).filter((c) => /^card\d+$/.test(c)).sort()) {
    const vendor = (await deps.sys.read(`class/drm/${card}/device/vendor`))?.trim();
    const vram = Number((await deps.sys.read(`class/drm/${card}/device/mem_info_vram_total`))?.trim());
    if (vendor !== AMD_VENDOR || !(vram > 0)) continue;
    const product = (await deps.sys.read(`class/drm/${card}/device/product_name`))?.trim();
    found.push({ name: product || 'AMD GPU', memoryBytes: vram });
  }
  return found.map((g, index) => ({ index, ...g }));
}

const run = promisify(execFile);
/** nvidia-smi's exit status when the driver is loaded but sees no GPU. */
const NO_DEVICES_EXIT = 6;

async function runNvidiaSmi(): Promise<string | undefined> {
  const command = findOnPath('nvidia-smi', process.env);
  if (command === undefined) return undefined;
  try {
    return (await run(command, [...NVIDIA_INVENTORY_ARGS], { timeout: 10_000 })).stdout;
  } catch (e) {
    if ((e as { code?: unknown }).code === NO_DEVICES_EXIT) return undefined;
    throw e;
  }
}

export function hostFactsDeps(): HostFactsDeps {
  return { proc: createProcReader(), sys: createSysReader(), root: createSysReader('/'), os, nvidiaSmi: runNvidiaSmi };
}

/**
 * Reads the host's facts from the kernel's files and Node's `os` (no child process but
 * nvidia-smi, and only where it is installed). A host without GPUs has `gpus: []`.
 */
export async function readHostFacts(deps: HostFactsDeps = hostFactsDeps()): Promise<HostFacts> {
  const [osInfo, cpu, disks, interfaces, gpus] = await Promise.all([
    osFacts(deps),
    cpuFacts(deps),
    diskFacts(deps),
    interfaceFacts(deps),
    gpuFacts(deps),
  ]);
  return { os: osInfo, cpu, memoryBytes: deps.os.totalmem(), disks, interfaces, gpus };
}
