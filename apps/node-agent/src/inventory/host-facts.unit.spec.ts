import { type RawSystemInfo, toHostFacts } from './host-facts';

/** Shaped like systeminformation's answers on a Debian VM, trimmed to the fields the mapping reads. */
const raw = {
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.18.44', arch: 'x64' },
  cpu: { manufacturer: 'Intel', brand: 'Xeon® Processor', cores: 2, physicalCores: 2 },
  mem: { total: 25276510208 },
  disks: [{ device: '/dev/vda', name: 'vda', size: 107374182400, type: 'HD' }],
  interfaces: [
    { iface: 'lo', mac: '00:00:00:00:00:00', ip4: '127.0.0.1', ip6: '::1', internal: true },
    { iface: 'eth0', mac: '06:00:ac:10:00:02', ip4: '172.16.0.2', ip6: '', internal: false },
  ],
  graphicsControllers: [],
} as unknown as RawSystemInfo;

describe('toHostFacts', () => {
  it('maps a host without GPUs', () => {
    expect(toHostFacts(raw)).toEqual({
      os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.18.44', arch: 'x64' },
      cpu: { model: 'Intel Xeon® Processor', cores: 2, physicalCores: 2 },
      memoryBytes: 25276510208,
      disks: [{ device: '/dev/vda', sizeBytes: 107374182400, type: 'HD' }],
      interfaces: [{ name: 'eth0', mac: '06:00:ac:10:00:02', ipv4: ['172.16.0.2'], ipv6: [] }],
      gpus: [],
    });
  });

  it('lists only graphics controllers with memory of their own as GPUs', () => {
    const graphicsControllers = [
      { vendor: 'Intel Corporation', model: 'UHD Graphics 630', vram: 1536, vramDynamic: true },
      { vendor: 'NVIDIA', model: 'A100', name: 'NVIDIA A100-SXM4-80GB', vram: 81920, memoryTotal: 81920, vramDynamic: false },
      { vendor: 'Matrox', model: 'G200eR2', vram: null, vramDynamic: false },
      { vendor: 'NVIDIA', model: 'L4', name: 'NVIDIA L4', vram: 23034, vramDynamic: false },
    ];
    const facts = toHostFacts({ ...raw, graphicsControllers } as unknown as RawSystemInfo);
    expect(facts.gpus).toEqual([
      { index: 0, name: 'NVIDIA A100-SXM4-80GB', memoryBytes: 81920 * 1024 * 1024 },
      { index: 1, name: 'NVIDIA L4', memoryBytes: 23034 * 1024 * 1024 },
    ]);
  });
});
