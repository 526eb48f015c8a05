import { UnavailableError } from '@vigil/contracts';
import type { Cache, Database } from '@vigil/platform';
import type { Logger } from 'pino';
import type { Retention } from '../config';
import type { LatestValue } from '../storage/latest-codec';
import type { RangeCache } from './range-cache';
import { readLatest } from './latest.reader';
import type { Series, SeriesSelector } from './series-selector';

/** What every query reads from and is bounded by. */
export interface QueryContext {
  db: Database;
  cache: Cache;
  selector: SeriesSelector;
  retention: Retention;
  maxPoints: number;
  /**
   * The most bytes a reply's data may take: derived from the connection's max_payload (which a
   * reconnect to another server may change), so it is asked for each query.
   */
  maxReplyBytes(): number;
  /** TELEMETRY partitions: a 10 s bucket is closed when every one of them has closed it. */
  partitions: number;
  /** Closed buckets of top-k selections; absent: every bucket is read each time. */
  rangeCache?: RangeCache;
  logger: Logger;
  now(): number;
}

/** Latest values for a query that cannot answer without them: Redis failing is the service being unavailable. */
export async function requireLatest(ctx: QueryContext, series: readonly Series[]): Promise<Map<number, LatestValue>> {
  try {
    return await readLatest(ctx.cache, series);
  } catch (e) {
    throw new UnavailableError(`latest values are unavailable: ${(e as Error).message}`);
  }
}
