import type { FileReader } from '../collectors/file-reader';

/**
 * Clock ticks per second in /proc/<pid>/stat: the kernel's USER_HZ, which is 100 on every
 * architecture Node supports on Linux (unlike the configurable HZ).
 */
const USER_HZ = 100;

export interface ProcessUsage {
  cpuSeconds: number;
  /** Absent for a process that no longer has memory (a zombie). */
  residentBytes?: number;
}

/** User plus system CPU seconds from /proc/<pid>/stat. */
export function parseCpuSeconds(stat: string): number {
  // Field 2, the command name in parentheses, may itself contain spaces and ')'.
  const fields = stat
    .slice(stat.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime))
    throw new Error(`unexpected /proc/<pid>/stat: "${stat.trim()}"`);
  return (utime + stime) / USER_HZ;
}

/** VmRSS from /proc/<pid>/status, in bytes. */
export function parseResidentBytes(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** Undefined when the process has gone in the meantime. */
export async function readProcessUsage(proc: FileReader, pid: number): Promise<ProcessUsage | undefined> {
  const [stat, status] = await Promise.all([proc.read(`${pid}/stat`), proc.read(`${pid}/status`)]);
  if (stat === undefined || status === undefined) return undefined;
  return { cpuSeconds: parseCpuSeconds(stat), residentBytes: parseResidentBytes(status) };
}
