import type { Inventory } from '@vigil/contracts';
import type { NodeProfile } from './node-profile';
import { hash32 } from './prng';

const GIB = 1024 ** 3;

function macOf(profile: NodeProfile): string {
  const h = hash32(profile.key, 0x3ac);
  const bytes = [0x02, 0x42, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** A synthetic but plausible inventory: what the real agent would report for such a host. */
export function nodeInventory(
  profile: NodeProfile,
  extra: Pick<Inventory, 'collectedAt' | 'agentVersion' | 'labels'>,
): Inventory {
  const gpu = profile.gpuCount > 0;
  return {
    nodeId: profile.nodeId,
    hostname: profile.hostname,
    os: { platform: 'linux', distro: 'Ubuntu', release: '22.04.4 LTS', kernel: '5.15.0-105-generic', arch: 'x64' },
    cpu: {
      model: gpu ? 'AMD EPYC 7763 64-Core Processor' : 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
      cores: profile.cores,
      physicalCores: profile.cores / 2,
    },
    memoryBytes: profile.memoryBytes,
    disks: [
      { device: '/dev/nvme0n1', sizeBytes: profile.rootDisk.sizeBytes, type: 'NVMe' },
      { device: '/dev/sdb', sizeBytes: profile.dataDisk.sizeBytes, type: 'SSD' },
    ],
    interfaces: [
      {
        name: 'eth0',
        mac: macOf(profile),
        ipv4: [`10.20.${Math.floor(profile.index / 250) % 256}.${(profile.index % 250) + 1}`],
        ipv6: [],
      },
    ],
    gpus: Array.from({ length: profile.gpuCount }, (_, index) => ({
      index,
      name: 'NVIDIA A100-SXM4-80GB',
      memoryBytes: 80 * GIB,
    })),
    ...extra,
  };
}
