import pino from 'pino';
import { fixtureFileReader } from './file-reader';
import { FilesystemCollector, filesystemUsage, parseMounts } from './filesystem.collector';
import { PROC_MOUNTS } from './fixtures/proc.fixtures';
import type { FsStats } from './statfs';

/** Written by hand in the kernel's format: a server with a data disk, snaps, Docker, NFS and a space in a path. */
const SERVER_MOUNTS = `/dev/mapper/vg0-root / ext4 rw,relatime,errors=remount-ro 0 0
tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=3276800k,mode=755 0 0
/dev/nvme0n1p2 /boot ext4 rw,relatime 0 0
/dev/nvme0n1p1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077 0 0
/dev/sdb1 /data xfs rw,noatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0
/dev/loop3 /snap/core22/1380 squashfs ro,nodev,relatime,errors=continue 0 0
overlay /var/lib/docker/overlay2/3f2a/merged overlay rw,relatime,lowerdir=/var/lib/docker/overlay2/l/AB:/var/lib/docker/overlay2/l/CD 0 0
nsfs /run/docker/netns/5d1c nsfs rw 0 0
fileserver:/export/home /home nfs4 rw,relatime,vers=4.2,rsize=1048576,wsize=1048576 0 0
/dev/sdc1 /mnt/backup\\040disk ext4 rw,relatime 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0
/dev/sdb1 /data xfs rw,noatime 0 0
`;

describe('parseMounts', () => {
  it('keeps only the real filesystem of a captured /proc/mounts', () => {
    expect(parseMounts(PROC_MOUNTS)).toEqual([{ device: '/dev/vda', mountPoint: '/', fsType: 'ext4' }]);
  });

  it('skips pseudo filesystems, keeps overlay and network mounts, unescapes paths and lists a mount point once', () => {
    expect(parseMounts(SERVER_MOUNTS).map((m) => m.mountPoint)).toEqual([
      '/',
      '/boot',
      '/boot/efi',
      '/var/lib/docker/overlay2/3f2a/merged',
      '/home',
      '/mnt/backup disk',
      '/data',
    ]);
  });
});

describe('filesystemUsage', () => {
  it('counts root-reserved blocks as full, as df does', () => {
    // 1000 blocks of 4 KiB: 600 free, of which 550 available to ordinary users.
    const usage = filesystemUsage({ bsize: 4096, blocks: 1000, bfree: 600, bavail: 550, files: 256, ffree: 200 });
    expect(usage).toEqual({
      sizeBytes: 4096 * 1000,
      usedBytes: 4096 * 400,
      availBytes: 4096 * 550,
      usedRatio: 400 / 950,
      inodes: { files: 256, filesFree: 200 },
    });
  });

  it('leaves out inodes where the filesystem reports none (btrfs, vfat)', () => {
    expect(
      filesystemUsage({ bsize: 4096, blocks: 10, bfree: 5, bavail: 5, files: 0, ffree: 0 })?.inodes,
    ).toBeUndefined();
  });

  it('is undefined for an empty filesystem', () => {
    expect(filesystemUsage({ bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 })).toBeUndefined();
  });
});

describe('FilesystemCollector', () => {
  const logger = pino({ level: 'silent' });

  it('reports space and inodes per mount; a mount statfs cannot read is skipped', async () => {
    const stats: Record<string, FsStats> = {
      '/': { bsize: 4096, blocks: 100, bfree: 50, bavail: 50, files: 64, ffree: 60 },
      '/data': { bsize: 4096, blocks: 200, bfree: 20, bavail: 20, files: 128, ffree: 1 },
    };
    const collector = new FilesystemCollector({
      proc: fixtureFileReader({ mounts: SERVER_MOUNTS }),
      statfs: async (mountPoint) => {
        const s = stats[mountPoint];
        if (!s) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        return s;
      },
      logger,
    });
    const samples = await collector.collect();
    expect(samples).toContainEqual({ name: 'node_filesystem_used_ratio', labels: { mount: '/data' }, value: 0.9 });
    expect(samples).toContainEqual({ name: 'node_filesystem_size_bytes', labels: { mount: '/' }, value: 409600 });
    expect(samples).toContainEqual({ name: 'node_filesystem_avail_bytes', labels: { mount: '/' }, value: 204800 });
    expect(samples).toContainEqual({ name: 'node_filesystem_files', labels: { mount: '/data' }, value: 128 });
    expect(samples).toContainEqual({ name: 'node_filesystem_files_free', labels: { mount: '/data' }, value: 1 });
    expect(new Set(samples.map((s) => s.labels.mount))).toEqual(new Set(['/', '/data']));
  });

  it('does not ask a mount again while its statfs hangs, and keeps reporting the others', async () => {
    const calls: string[] = [];
    const hung = new Promise<FsStats>(() => undefined);
    const collector = new FilesystemCollector({
      proc: fixtureFileReader({ mounts: '/dev/sda1 / ext4 rw 0 0\nnas:/export /home nfs4 rw 0 0\n' }),
      statfs: async (mountPoint) => {
        calls.push(mountPoint);
        return mountPoint === '/home'
          ? hung
          : { bsize: 4096, blocks: 100, bfree: 50, bavail: 50, files: 64, ffree: 60 };
      },
      logger,
    });
    void collector.collect(); // never finishes: the runner's timeout fails this tick
    await new Promise((resolve) => setImmediate(resolve));
    const next = await collector.collect();
    expect(new Set(next.map((s) => s.labels.mount))).toEqual(new Set(['/']));
    expect(calls.filter((m) => m === '/home')).toHaveLength(1);
  });
});
