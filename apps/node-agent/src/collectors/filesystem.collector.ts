import { NodeMetric, type Sample } from '@vigil/contracts';
import { FailureStreaks } from '../failure-streaks';
import type { Collector, CollectorDeps } from './collector';
import { MissingSource } from './missing-source';
import type { FsStats } from './statfs';

export interface Mount {
  device: string;
  mountPoint: string;
  fsType: string;
}

export interface FilesystemUsage {
  sizeBytes: number;
  usedBytes: number;
  /** What an unprivileged user can still write (root-reserved blocks are not available). */
  availBytes: number;
  usedRatio: number;
  /** Inodes, absent where the filesystem has no fixed inode table (btrfs, vfat, many network filesystems report 0). */
  inodes?: { files: number; filesFree: number };
}

/**
 * Kernel and memory-backed filesystems say nothing about disk space, and squashfs images
 * (snaps) are read-only and always full. Overlay (container roots) is kept.
 */
const PSEUDO_FS_TYPES = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fusectl',
  'hugetlbfs',
  'mqueue',
  'nsfs',
  'proc',
  'pstore',
  'ramfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
]);

export function isPseudoFilesystem(fsType: string): boolean {
  return PSEUDO_FS_TYPES.has(fsType) || fsType.startsWith('cgroup');
}

/** /proc/mounts escapes space, tab, newline and backslash in paths as octal (`\040`). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Parses /proc/mounts into the mounts that hold real data: pseudo filesystems are left
 * out, and a mount point listed twice counts once (the later mount hides the earlier).
 */
export function parseMounts(text: string): Mount[] {
  const byMountPoint = new Map<string, Mount>();
  for (const line of text.split('\n')) {
    const [device, mountPoint, fsType] = line.trim().split(/\s+/);
    if (!device || !mountPoint || !fsType || isPseudoFilesystem(fsType)) continue;
    const mount = { device: unescapeMountField(device), mountPoint: unescapeMountField(mountPoint), fsType };
    byMountPoint.delete(mount.mountPoint);
    byMountPoint.set(mount.mountPoint, mount);
  }
  return [...byMountPoint.values()];
}

/**
 * Size and use of one filesystem. The ratio is what `df` shows as Use%: used over the
 * space an unprivileged user could have (used + available), so blocks reserved for root
 * count as full and a disk reaches 1 when ordinary writes start to fail.
 */
export function filesystemUsage(stats: FsStats): FilesystemUsage | undefined {
  const sizeBytes = stats.blocks * stats.bsize;
  const usedBytes = (stats.blocks - stats.bfree) * stats.bsize;
  const availBytes = stats.bavail * stats.bsize;
  const usable = usedBytes + availBytes;
  if (sizeBytes <= 0 || usable <= 0) return undefined;
  const inodes = stats.files > 0 ? { files: stats.files, filesFree: stats.ffree } : undefined;
  return { sizeBytes, usedBytes, availBytes, usedRatio: usedBytes / usable, inodes };
}

/**
 * node_filesystem_size_bytes, node_filesystem_used_bytes, node_filesystem_avail_bytes,
 * node_filesystem_used_ratio, node_filesystem_files, node_filesystem_files_free with label `mount`.
 */
export class FilesystemCollector implements Collector {
  readonly name = 'filesystem';
  private readonly missing: MissingSource;
  /**
   * Mounts whose statfs has not returned yet (an unreachable NFS server): asked again only once
   * it does, so a dead mount holds one thread-pool thread rather than one more every tick, and
   * the other mounts keep being reported.
   */
  private readonly stuck = new FailureStreaks();
  private readonly pending = new Set<string>();

  constructor(private readonly deps: Pick<CollectorDeps, 'proc' | 'statfs' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const text = await this.deps.proc.read('mounts');
    if (text === undefined) return this.missing.noSamples('/proc/mounts');
    const perMount = await Promise.all(parseMounts(text).map((m) => this.samplesOf(m)));
    return perMount.flat();
  }

  /** A mount that cannot be read (permissions, gone since /proc/mounts was read) is skipped, not fatal. */
  private async samplesOf(mount: Mount): Promise<Sample[]> {
    const { mountPoint } = mount;
    if (this.pending.has(mountPoint)) {
      if (this.stuck.failed(mountPoint))
        this.deps.logger.warn({ mount: mountPoint }, 'statfs has not returned; mount skipped until it does');
      return [];
    }
    let usage: FilesystemUsage | undefined;
    this.pending.add(mountPoint);
    try {
      usage = filesystemUsage(await this.deps.statfs(mountPoint));
    } catch (e) {
      this.deps.logger.debug({ mount: mountPoint, err: e }, 'statfs failed; mount skipped');
      return [];
    } finally {
      this.pending.delete(mountPoint);
      this.stuck.succeeded(mountPoint);
    }
    if (!usage) return [];
    const labels = { mount: mountPoint };
    const samples: Sample[] = [
      { name: NodeMetric.filesystemSizeBytes, labels, value: usage.sizeBytes },
      { name: NodeMetric.filesystemUsedBytes, labels, value: usage.usedBytes },
      { name: NodeMetric.filesystemAvailBytes, labels, value: usage.availBytes },
      { name: NodeMetric.filesystemUsedRatio, labels, value: usage.usedRatio },
    ];
    if (usage.inodes) {
      samples.push(
        { name: NodeMetric.filesystemFiles, labels, value: usage.inodes.files },
        { name: NodeMetric.filesystemFilesFree, labels, value: usage.inodes.filesFree },
      );
    }
    return samples;
  }
}
