import type { ScrapeTarget } from '@vigil/contracts';

/** Asks for the text format, which every exporter offers, rather than OpenMetrics or protobuf. */
const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

/** GETs the target's exposition text; the timeout covers the whole response. */
export async function fetchExposition(target: Pick<ScrapeTarget, 'url' | 'timeoutMs'>): Promise<string> {
  const response = await fetch(target.url, {
    headers: { accept: ACCEPT },
    signal: AbortSignal.timeout(target.timeoutMs),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`GET ${target.url} answered ${response.status}`);
  }
  return response.text();
}
