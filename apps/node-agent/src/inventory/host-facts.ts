import type { Inventory } from '@vigil/contracts';
import * as si from 'systeminformation';

/** What the host is, without the agent's own fields (node id, labels, version, time). */
export type HostFacts = Pick<Inventory, 'os' | 'cpu' | 'memoryBytes' | 'disks' | 'interfaces' | 'gpus'>;
export type HostFactsSource = () => Promise<HostFacts>;

export interface RawSystemInfo {
  os: si.Systeminformation.OsData;
  cpu: si.Systeminformation.CpuData;
  mem: si.Systeminformation.MemData;
  disks: si.Systeminformation.DiskLayoutData[];
  interfaces: si.Systeminformation.NetworkInterfacesData[];
  graphicsControllers: si.Systeminformation.GraphicsControllerData[];
}

const MIB = 1024 * 1024;

/**
 * A GPU is a graphics controller with memory of its own: integrated graphics borrow
 * system memory (`vramDynamic`) and are left out. systeminformation reports MiB.
 */
function gpusOf(controllers: si.Systeminformation.GraphicsControllerData[]): HostFacts['gpus'] {
  return controllers
    .map((c) => ({ name: c.name || c.model || c.vendor || 'unknown', memoryMiB: c.memoryTotal ?? c.vram ?? 0, dynamic: c.vramDynamic }))
    .filter((c) => c.memoryMiB > 0 && !c.dynamic)
    .map((c, index) => ({ index, name: c.name, memoryBytes: c.memoryMiB * MIB }));
}

export function toHostFacts(raw: RawSystemInfo): HostFacts {
  return {
    os: {
      platform: raw.os.platform,
      distro: raw.os.distro,
      release: raw.os.release,
      kernel: raw.os.kernel,
      arch: raw.os.arch,
    },
    cpu: {
      model: [raw.cpu.manufacturer, raw.cpu.brand].filter(Boolean).join(' '),
      cores: raw.cpu.cores,
      physicalCores: raw.cpu.physicalCores,
    },
    memoryBytes: raw.mem.total,
    disks: raw.disks.map((d) => ({ device: d.device || d.name, sizeBytes: d.size, type: d.type })),
    interfaces: raw.interfaces
      .filter((i) => !i.internal)
      .map((i) => ({ name: i.iface, mac: i.mac, ipv4: i.ip4 ? [i.ip4] : [], ipv6: i.ip6 ? [i.ip6] : [] })),
    gpus: gpusOf(raw.graphicsControllers),
  };
}

/** Reads the host's facts with systeminformation. A host without GPUs (or without the tools to list them) has `gpus: []`. */
export async function readHostFacts(): Promise<HostFacts> {
  const [os, cpu, mem, disks, interfaces, graphicsControllers] = await Promise.all([
    si.osInfo(),
    si.cpu(),
    si.mem(),
    si.diskLayout(),
    si.networkInterfaces(),
    si
      .graphics()
      .then((g) => g.controllers)
      .catch(() => []),
  ]);
  return toHostFacts({ os, cpu, mem, disks, interfaces: [interfaces].flat(), graphicsControllers });
}
