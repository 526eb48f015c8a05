import { NodeMetric, type Sample } from '@vigil/contracts';
import type { Collector, CollectorDeps } from './collector';
import { MissingSource } from './missing-source';

export interface MemoryUsage {
  totalBytes: number;
  availableBytes: number;
  usedBytes: number;
  usedRatio: number;
  /** Page cache (`Cached`): file data the kernel can drop when memory is needed. */
  cachedBytes: number;
  /** Block device buffers (`Buffers`). */
  buffersBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
}

/**
 * Parses /proc/meminfo. "Used" is total minus available, as `free` shows it: page cache
 * the kernel can reclaim does not count as used. Kernels before 3.14 have no
 * MemAvailable; free + buffers + cached stands in for it there.
 */
export function parseMeminfo(text: string): MemoryUsage {
  const kib = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9_()]+):\s+(\d+)/.exec(line);
    if (match) kib.set(match[1], Number(match[2]));
  }
  const total = kib.get('MemTotal');
  if (!total) throw new Error('/proc/meminfo has no MemTotal');
  const field = (name: string) => kib.get(name) ?? 0;
  const available = kib.get('MemAvailable') ?? field('MemFree') + field('Buffers') + field('Cached');
  const totalBytes = total * 1024;
  const availableBytes = Math.min(available, total) * 1024;
  const usedBytes = totalBytes - availableBytes;
  return {
    totalBytes,
    availableBytes,
    usedBytes,
    usedRatio: usedBytes / totalBytes,
    cachedBytes: field('Cached') * 1024,
    buffersBytes: field('Buffers') * 1024,
    swapTotalBytes: field('SwapTotal') * 1024,
    swapUsedBytes: Math.max(0, field('SwapTotal') - field('SwapFree')) * 1024,
  };
}

/**
 * node_memory_total_bytes, node_memory_used_bytes, node_memory_available_bytes,
 * node_memory_used_ratio, node_memory_cached_bytes, node_memory_buffers_bytes,
 * node_memory_swap_total_bytes, node_memory_swap_used_bytes (0 and 0 without swap).
 */
export class MemoryCollector implements Collector {
  readonly name = 'memory';
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'proc' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const text = await this.deps.proc.read('meminfo');
    if (text === undefined) return this.missing.noSamples('/proc/meminfo');
    const memory = parseMeminfo(text);
    return [
      { name: NodeMetric.memoryTotalBytes, labels: {}, value: memory.totalBytes },
      { name: NodeMetric.memoryUsedBytes, labels: {}, value: memory.usedBytes },
      { name: NodeMetric.memoryAvailableBytes, labels: {}, value: memory.availableBytes },
      { name: NodeMetric.memoryUsedRatio, labels: {}, value: memory.usedRatio },
      { name: NodeMetric.memoryCachedBytes, labels: {}, value: memory.cachedBytes },
      { name: NodeMetric.memoryBuffersBytes, labels: {}, value: memory.buffersBytes },
      { name: NodeMetric.memorySwapTotalBytes, labels: {}, value: memory.swapTotalBytes },
      { name: NodeMetric.memorySwapUsedBytes, labels: {}, value: memory.swapUsedBytes },
    ];
  }
}
