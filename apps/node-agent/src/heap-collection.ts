import type { Logger } from 'pino';

/** How often the agent collects its heap in full; at ~10 KB/s of promoted garbage, ~0.3 MB. */
export const HEAP_COLLECTION_INTERVAL_MS = 30_000;

/**
 * Collects the whole V8 heap every `intervalMs` when Node.js exposes `gc` (`--expose-gc`, as
 * the systemd unit starts it). Left to V8, the agent, which promotes ~10 KB of short-lived data
 * a second, ran for over 10 minutes without a full collection while its RSS climbed by ~0.7 MB
 * a minute; with a collection every 30 s RSS stays flat for no CPU the agent bench can tell
 * (bench/README.md, agent). Without `gc` this does nothing but say so at debug level. The timer
 * never keeps the process alive. Returns a function that stops it.
 */
export function collectHeapPeriodically(
  logger: Logger,
  /** `null`: none, whatever the process exposes. */
  gc: (() => void) | null | undefined = (globalThis as { gc?: () => void }).gc,
  intervalMs = HEAP_COLLECTION_INTERVAL_MS,
): () => void {
  if (typeof gc !== 'function') {
    logger.debug('node runs without --expose-gc: V8 alone decides when to collect the heap');
    return () => undefined;
  }
  const timer = setInterval(gc, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
