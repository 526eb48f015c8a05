export const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;

export interface SpoolLimits {
  /** The spool never holds more than this on disk. */
  maxBytes: number;
  /** A segment is closed and a new one started before it would grow past this. */
  segmentBytes: number;
}

/**
 * Segments of an eighth of the limit, at most 8 MiB: when the spool is full, dropping the
 * oldest segment frees a slice of it, never most of it.
 */
export function spoolLimits(maxBytes: number): SpoolLimits {
  return { maxBytes, segmentBytes: Math.min(MAX_SEGMENT_BYTES, Math.ceil(maxBytes / 8)) };
}

export interface AppendPlan {
  /** Start a new segment for the record. */
  rotate: boolean;
  /** Drop this many of the oldest segments first. */
  dropOldest: number;
}

/**
 * How to make room for a record of `frameBytes`, given the segments' sizes oldest first
 * (the last one is being appended to). Undefined when the record is larger than the
 * whole spool. An empty segment takes any record, so one larger than a segment gets a
 * segment of its own.
 */
export function planAppend(
  segmentSizes: readonly number[],
  frameBytes: number,
  limits: SpoolLimits,
): AppendPlan | undefined {
  if (frameBytes > limits.maxBytes) return undefined;
  const current = segmentSizes.at(-1) ?? 0;
  const rotate = segmentSizes.length === 0 || (current > 0 && current + frameBytes > limits.segmentBytes);
  const sizes = rotate ? [...segmentSizes, 0] : segmentSizes;
  let total = sizes.reduce((sum, size) => sum + size, 0);
  let dropOldest = 0;
  while (total + frameBytes > limits.maxBytes) total -= sizes[dropOldest++];
  return { rotate, dropOldest };
}

const SEGMENT_FILE = /^(\d{16})\.seg$/;

export function segmentFileName(id: number): string {
  return `${String(id).padStart(16, '0')}.seg`;
}

/** The segment id in a file name, or undefined for any other file. */
export function segmentIdOf(fileName: string): number | undefined {
  const match = SEGMENT_FILE.exec(fileName);
  return match ? Number(match[1]) : undefined;
}
