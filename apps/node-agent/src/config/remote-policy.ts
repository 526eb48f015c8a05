import { isScrapeUrlAllowed } from './scrape-allow';

/**
 * What a remote (KV) document may set. Whoever can write the `agent-config` bucket must not
 * be able to make a host run anything: processes to supervise (and their command health
 * checks), the agent's own listener and the scrape allow-list itself come from the local,
 * root-owned file (or the environment) only. A remote document may tune intervals,
 * collectors, labels and the spool size, and name scrape targets the file allows.
 */
export const REMOTE_KEYS: ReadonlySet<string> = new Set([
  'version',
  'heartbeatIntervalMs',
  'sampleIntervalMs',
  'inventoryIntervalMs',
  'labels',
  'collectors',
  'spool',
  'scrape',
]);

/** Inside `spool`, only its size. */
const REMOTE_SPOOL_KEYS: ReadonlySet<string> = new Set(['maxBytes']);

/**
 * Why a remote document may not be applied, or undefined when it may. The whole document is
 * refused on the first thing it may not set: applying the rest would run a configuration
 * nobody wrote. Keys the agent does not know are refused too (an older agent cannot tell a
 * harmless new setting from a dangerous one).
 */
export function remoteDocumentViolation(
  document: Record<string, unknown>,
  scrapeAllow: readonly string[],
): string | undefined {
  const forbidden = Object.keys(document).filter((key) => !REMOTE_KEYS.has(key));
  if (forbidden.length > 0) {
    return `may not set ${forbidden.map((k) => `"${k}"`).join(', ')} (only the local file may)`;
  }
  const spool = document.spool;
  if (spool !== null && typeof spool === 'object' && !Array.isArray(spool)) {
    const extra = Object.keys(spool).filter((key) => !REMOTE_SPOOL_KEYS.has(key));
    if (extra.length > 0) return `may not set ${extra.map((k) => `"spool.${k}"`).join(', ')} (only the local file may)`;
  }
  if (Array.isArray(document.scrape)) {
    for (const [i, target] of document.scrape.entries()) {
      const url = (target as { url?: unknown } | null)?.url;
      if (typeof url === 'string' && !isScrapeUrlAllowed(url, scrapeAllow)) {
        return `scrape.${i}.url ${JSON.stringify(url.slice(0, 200))} is not allowed by the local file's scrapeAllow`;
      }
    }
  }
  return undefined;
}
