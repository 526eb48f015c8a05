import type os from 'node:os';
import { fixtureFileReader } from '../collectors/file-reader';
import { type HostFactsDeps, parseCpuInfo, parseNvidiaInventory, parseOsRelease, readHostFacts } from './host-facts';

/** Captured on the project's Debian 12 VM. */
const OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;
const CPUINFO_X86 = `processor	: 0
vendor_id	: AuthenticAMD
model name	: AMD EPYC
physical id	: 0
siblings	: 2
core id		: 0
cpu cores	: 2

processor	: 1
vendor_id	: AuthenticAMD
model name	: AMD EPYC
physical id	: 0
siblings	: 2
core id		: 1
cpu cores	: 2
`;
/** Two hyper-threads on each of two cores: four logical CPUs, two physical cores. */
const CPUINFO_SMT = ['0:0', '0:0', '0:1', '0:1']
  .map(
    ([p, , c], i) =>
      `processor\t: ${i}\nmodel name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz\nphysical id\t: ${p}\ncore id\t\t: ${c}\n`,
  )
  .join('\n');
/** A Raspberry Pi 4 (arm64): no model name, no core ids. */
const CPUINFO_ARM = `processor	: 0
BogoMIPS	: 108.00
CPU implementer	: 0x41
CPU part	: 0xd08

processor	: 1
BogoMIPS	: 108.00
CPU implementer	: 0x41
CPU part	: 0xd08

Hardware	: BCM2835
Model		: Raspberry Pi 4 Model B Rev 1.4
`;
const NVIDIA = `0, NVIDIA A100-SXM4-80GB, 81920
1, NVIDIA RTX A6000, Founders, 49140
`;

describe('parsers', () => {
  it('reads os-release, quoted or not, with shell escapes', () => {
    expect(parseOsRelease(OS_RELEASE)).toMatchObject({
      NAME: 'Debian GNU/Linux',
      VERSION_ID: '12',
      ID: 'debian',
      VERSION_CODENAME: 'bookworm',
    });
    expect(parseOsRelease('NAME="A \\"b\\" \\$c"\nX=\'y z\'\n# comment\nbad line')).toEqual({
      NAME: 'A "b" $c',
      X: 'y z',
    });
  });

  it('counts physical cores from core ids, or processors where there are none', () => {
    expect(parseCpuInfo(CPUINFO_X86)).toEqual({ model: 'AMD EPYC', physicalCores: 2 });
    expect(parseCpuInfo(CPUINFO_SMT)).toEqual({ model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', physicalCores: 2 });
    expect(parseCpuInfo(CPUINFO_ARM)).toEqual({ model: 'Raspberry Pi 4 Model B Rev 1.4', physicalCores: 2 });
  });

  it('reads the GPUs of nvidia-smi, a comma in a name included', () => {
    expect(parseNvidiaInventory(NVIDIA)).toEqual([
      { name: 'NVIDIA A100-SXM4-80GB', memoryBytes: 81920 * 1024 * 1024 },
      { name: 'NVIDIA RTX A6000, Founders', memoryBytes: 49140 * 1024 * 1024 },
    ]);
    expect(parseNvidiaInventory('')).toEqual([]);
    expect(() => parseNvidiaInventory('garbage')).toThrow('unexpected nvidia-smi line');
  });
});

const fakeOs = (interfaces: ReturnType<typeof os.networkInterfaces>): HostFactsDeps['os'] => ({
  platform: () => 'linux',
  release: () => '6.1.0-28-amd64',
  arch: () => 'x64',
  cpus: () => [{ model: 'AMD EPYC' }, { model: 'AMD EPYC' }] as os.CpuInfo[],
  totalmem: () => 25_276_510_208,
  networkInterfaces: () => interfaces,
});
const addr = (address: string, family: 'IPv4' | 'IPv6', mac: string, internal = false) =>
  ({ address, family, mac, internal, netmask: '', cidr: null }) as os.NetworkInterfaceInfo;

/** /sys as on the VM: vda a virtio disk, loop and zram devices without a `device`; eth0, two ifb and lo. */
const SYS = fixtureFileReader(
  {
    'block/vda/size': '536870912\n',
    'block/vda/queue/rotational': '1\n',
    'block/nvme0n1/size': '1953525168\n',
    'block/nvme0n1/queue/rotational': '0\n',
    'block/sda/size': '468862128\n',
    'block/sda/queue/rotational': '0\n',
    'block/loop0/size': '0\n',
    'block/zram0/size': '0\n',
    'class/net/eth0/address': '02:fc:00:00:00:01\n',
    'class/net/eth0/type': '1\n',
    'class/net/ifb0/address': 'ae:f8:e7:d2:03:2f\n',
    'class/net/ifb0/type': '1\n',
    'class/net/lo/address': '00:00:00:00:00:00\n',
    'class/net/lo/type': '772\n',
    'class/drm/card0/device/vendor': '0x1002\n',
    'class/drm/card0/device/mem_info_vram_total': '17163091968\n',
    'class/drm/card0/device/product_name': 'Radeon Pro W6800\n',
    'class/drm/card1/device/vendor': '0x8086\n',
    'class/drm/card0-DP-1/status': 'connected\n',
  },
  {
    'block/vda/device': '../../../virtio2',
    'block/nvme0n1/device': '../../nvme0',
    'block/sda/device': '../../../0:0:0:0',
  },
);

describe('readHostFacts', () => {
  it('maps the kernel files, os-release and nvidia-smi into the inventory facts', async () => {
    const facts = await readHostFacts({
      proc: fixtureFileReader({ cpuinfo: CPUINFO_X86 }),
      sys: SYS,
      root: fixtureFileReader({ 'etc/os-release': OS_RELEASE }),
      os: fakeOs({
        eth0: [
          addr('172.16.0.2', 'IPv4', '02:fc:00:00:00:01'),
          addr('fe80::fc:ff:fe00:1', 'IPv6', '02:fc:00:00:00:01'),
        ],
        lo: [addr('127.0.0.1', 'IPv4', '00:00:00:00:00:00', true)],
      }),
      nvidiaSmi: async () => NVIDIA,
    });
    expect(facts).toEqual({
      os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0-28-amd64', arch: 'x64' },
      cpu: { model: 'AMD EPYC', cores: 2, physicalCores: 2 },
      memoryBytes: 25_276_510_208,
      disks: [
        { device: '/dev/nvme0n1', sizeBytes: 1953525168 * 512, type: 'NVMe' },
        { device: '/dev/sda', sizeBytes: 468862128 * 512, type: 'SSD' },
        { device: '/dev/vda', sizeBytes: 536870912 * 512, type: 'HD' },
      ],
      interfaces: [
        { name: 'eth0', mac: '02:fc:00:00:00:01', ipv4: ['172.16.0.2'], ipv6: ['fe80::fc:ff:fe00:1'] },
        { name: 'ifb0', mac: 'ae:f8:e7:d2:03:2f', ipv4: [], ipv6: [] },
      ],
      gpus: [
        { index: 0, name: 'NVIDIA A100-SXM4-80GB', memoryBytes: 81920 * 1024 * 1024 },
        { index: 1, name: 'NVIDIA RTX A6000, Founders', memoryBytes: 49140 * 1024 * 1024 },
        { index: 2, name: 'Radeon Pro W6800', memoryBytes: 17163091968 },
      ],
    });
  });

  it('falls back to /usr/lib/os-release and Node where the files are missing, and leaves GPUs out when nvidia-smi fails', async () => {
    const facts = await readHostFacts({
      proc: fixtureFileReader({}),
      sys: fixtureFileReader({}),
      root: fixtureFileReader({ 'usr/lib/os-release': 'ID=alpine\n' }),
      os: fakeOs({ eth0: [addr('10.0.0.5', 'IPv4', '0a:00:00:00:00:05')] }),
      nvidiaSmi: async () => {
        throw new Error('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver');
      },
    });
    expect(facts.os).toEqual({
      platform: 'linux',
      distro: 'alpine',
      release: '',
      kernel: '6.1.0-28-amd64',
      arch: 'x64',
    });
    expect(facts.cpu).toEqual({ model: 'AMD EPYC', cores: 2, physicalCores: 2 });
    expect(facts.disks).toEqual([]);
    expect(facts.interfaces).toEqual([{ name: 'eth0', mac: '0a:00:00:00:00:05', ipv4: ['10.0.0.5'], ipv6: [] }]);
    expect(facts.gpus).toEqual([]);
  });
});
