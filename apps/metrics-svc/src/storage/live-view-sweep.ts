import type { Cache } from '@vigil/platform';
import { decodeLatestGroup } from './latest-codec';
import { latestKey } from './latest.writer';

/** Deletes field ARGV[1] of hash KEYS[1] if it still holds ARGV[2] (a write meanwhile keeps it). */
const DELETE_IF_SAME = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

/** Hash fields (and keys) looked at per SCAN / HSCAN call. */
const SCAN_COUNT = 200;

/** `s` matched literally by a Redis glob pattern. */
const globLiteral = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Deletes the live view's fields whose newest sample is older than `maxAgeMs`: those the
 * ingest's eviction did not delete (it deletes a node's field when it forgets the node's
 * series, see PartitionState.takeLive) because the process that held them stopped, lost the
 * partition or failed the write. Node ids and metric names are chosen by agents: without this,
 * a field written once would stay in Redis for good. Scans every live hash in bounded steps
 * (SCAN, HSCAN); a field written again between the read and the delete is kept.
 */
export class LiveViewSweep {
  constructor(
    private readonly cache: Cache,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** One pass over every live hash; returns the fields deleted. */
  async run(): Promise<number> {
    const redis = this.cache.redis;
    const pattern = `${globLiteral(latestKey(this.cache, ''))}*`;
    const before = this.clock() - this.maxAgeMs;
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      for (const key of keys) removed += await this.sweepHash(key, before);
    } while (cursor !== '0');
    return removed;
  }

  private async sweepHash(key: string, before: number): Promise<number> {
    const redis = this.cache.redis;
    let removed = 0;
    let cursor = '0';
    do {
      const [next, flat] = await redis.hscanBuffer(key, cursor, 'COUNT', SCAN_COUNT);
      cursor = next.toString();
      for (let i = 0; i + 1 < flat.length; i += 2) {
        let newest = -Infinity;
        for (const { value } of decodeLatestGroup(flat[i + 1])) newest = Math.max(newest, value.lastAt);
        if (newest >= before) continue;
        removed += Number(await redis.eval(DELETE_IF_SAME, 1, key, flat[i], flat[i + 1]));
      }
    } while (cursor !== '0');
    return removed;
  }
}
