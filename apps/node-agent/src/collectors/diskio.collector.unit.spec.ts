import type { Sample } from '@vigil/contracts';
import pino from 'pino';
import type { Clock } from '../clock';
import { DiskIoCollector, isWholeDisk, parseDiskstats } from './diskio.collector';
import { fixtureFileReader, type FileReader } from './file-reader';
import { PROC_DISKSTATS_AFTER, PROC_DISKSTATS_BEFORE, SYS_BLOCK } from './fixtures/proc.fixtures';

/** Written by hand in the kernel's format: a server with SATA, NVMe, LVM, md RAID, a CD drive and a loop device. */
const SERVER_DISKSTATS = `   8       0 sda 1000 0 8000 0 500 0 4000 0 0 700 0 0 0 0 0
   8       1 sda1 990 0 7900 0 499 0 3990 0 0 690 0 0 0 0 0
 259       0 nvme0n1 1 0 8 0 1 0 8 0 0 1 0 0 0 0 0 0 0
 259       1 nvme0n1p1 1 0 8 0 1 0 8 0 0 1 0 0 0 0 0 0 0
 253       0 dm-0 1 0 8 0 1 0 8 0 0 1 0 0 0 0 0
   9       0 md0 1 0 8 0 1 0 8 0 0 0 0 0 0 0 0
  11       0 sr0 1 0 8 0 0 0 0 0 0 1 0 0 0 0 0
   7       0 loop0 1 0 8 0 0 0 0 0 0 1 0 0 0 0 0
`;
const SERVER_BLOCK = new Set(['sda', 'nvme0n1', 'dm-0', 'md0', 'sr0', 'loop0']);

describe('parseDiskstats', () => {
  it('reads operations, bytes and busy time per device of a captured /proc/diskstats', () => {
    const devices = parseDiskstats(PROC_DISKSTATS_BEFORE);
    expect(devices.size).toBe(10);
    expect(devices.get('vda')).toEqual({
      readsCompleted: 270435,
      readBytes: 7655762 * 512,
      writesCompleted: 106126,
      writtenBytes: 9188488 * 512,
      ioTimeSeconds: 31.032,
    });
  });

  it('takes kernels with 11, 15 and 17 counters and skips anything shorter', () => {
    const server = parseDiskstats(SERVER_DISKSTATS);
    expect(server.get('sda')).toMatchObject({ readsCompleted: 1000, readBytes: 8000 * 512, ioTimeSeconds: 0.7 });
    expect(server.get('nvme0n1')).toMatchObject({ writesCompleted: 1, ioTimeSeconds: 0.001 });
    expect(parseDiskstats('   8       0 sdb 4 0 8 0 2 0 16 0 0 9 0\n').get('sdb')).toMatchObject({
      writtenBytes: 16 * 512,
    });
    expect(parseDiskstats('   8       1 sda1 4 8 2 16\n').size).toBe(0);
  });
});

describe('isWholeDisk', () => {
  it('keeps the names in /sys/block except loop, ram, zram and floppy devices', () => {
    const kept = [...parseDiskstats(SERVER_DISKSTATS).keys()].filter((d) => isWholeDisk(d, SERVER_BLOCK));
    expect(kept).toEqual(['sda', 'nvme0n1', 'dm-0', 'md0', 'sr0']);
    expect([...parseDiskstats(PROC_DISKSTATS_BEFORE).keys()].filter((d) => isWholeDisk(d, new Set(SYS_BLOCK)))).toEqual(
      ['vda'],
    );
  });

  it('keeps partitions when /sys/block cannot be read', () => {
    expect(isWholeDisk('sda1', undefined)).toBe(true);
    expect(isWholeDisk('zram0', undefined)).toBe(false);
  });
});

describe('DiskIoCollector', () => {
  const logger = pino({ level: 'silent' });
  const valueOf = (samples: Sample[], name: string) =>
    samples.find((s) => s.name === name && s.labels.device === 'vda')?.value;

  function setup(...texts: string[]) {
    let monotonic = 0;
    const clock: Clock = { now: () => 1_700_000_000_000, monotonicMs: () => monotonic };
    const blockLinks = Object.fromEntries(SYS_BLOCK.map((d) => [`block/${d}`, `../devices/virtual/block/${d}`]));
    const proc: FileReader = { ...fixtureFileReader({}), read: async () => texts.shift() };
    const collector = new DiskIoCollector({ proc, sys: fixtureFileReader({}, blockLinks), clock, logger });
    return { collector, advance: (ms: number) => (monotonic += ms) };
  }

  it('reports counters of whole disks at once and rates from the second run', async () => {
    const { collector, advance } = setup(PROC_DISKSTATS_BEFORE, PROC_DISKSTATS_AFTER);
    const first = await collector.collect();
    expect(new Set(first.map((s) => s.labels.device))).toEqual(new Set(['vda']));
    expect(valueOf(first, 'node_disk_written_bytes_total')).toBe(9188488 * 512);
    expect(valueOf(first, 'node_disk_io_time_seconds_total')).toBe(31.032);
    expect(first.some((s) => s.name.endsWith('_per_second') || s.name.endsWith('_ratio'))).toBe(false);

    advance(2000);
    const second = await collector.collect();
    expect(valueOf(second, 'node_disk_read_bytes_per_second')).toBe(((7788690 - 7655762) * 512) / 2);
    expect(valueOf(second, 'node_disk_written_bytes_per_second')).toBe(((9321632 - 9188488) * 512) / 2);
    expect(valueOf(second, 'node_disk_reads_completed_per_second')).toBe((270676 - 270435) / 2);
    expect(valueOf(second, 'node_disk_writes_completed_per_second')).toBe((106287 - 106126) / 2);
    expect(valueOf(second, 'node_disk_busy_ratio')).toBeCloseTo(0.064 / 2, 9);
  });

  it('caps the busy ratio at 1 and gives no rate after a reset', async () => {
    const line = (reads: number, ioMs: number) => `254 0 vda ${reads} 0 0 0 0 0 0 0 0 ${ioMs} 0\n`;
    const { collector, advance } = setup(line(100, 0), line(200, 1010), line(50, 2000));
    await collector.collect();
    advance(1000);
    expect(valueOf(await collector.collect(), 'node_disk_busy_ratio')).toBe(1);
    advance(1000);
    const afterReset = await collector.collect();
    expect(valueOf(afterReset, 'node_disk_reads_completed_total')).toBe(50);
    expect(valueOf(afterReset, 'node_disk_reads_completed_per_second')).toBeUndefined();
  });

  it('reports nothing where /proc/diskstats does not exist', async () => {
    const clock: Clock = { now: () => 0, monotonicMs: () => 0 };
    const none = fixtureFileReader({});
    expect(await new DiskIoCollector({ proc: none, sys: none, clock, logger }).collect()).toEqual([]);
  });
});
