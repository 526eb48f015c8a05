import type { PlatformStatus } from '../api/types';

/** How often the status page asks again. */
export const STATUS_REFRESH_MS = 10_000;

type Lag = PlatformStatus['busLag'][number];

/** Readers furthest behind first (unknown counts first of all: they need a look), then by service and name. */
export function sortLag(lag: readonly Lag[]): Lag[] {
  const rank = (l: Lag) => (l.pending === null ? Infinity : l.pending);
  return [...lag].sort(
    (a, b) => rank(b) - rank(a) || a.service.localeCompare(b.service) || a.name.localeCompare(b.name),
  );
}
