import type { Logger } from '@vigil/telemetry';

/**
 * A dependency that is down when a service starts (Postgres restarting, Redis failing over) is
 * waited for, not a reason to exit: the process retries with backoff, logging each attempt, and
 * has no HTTP listener yet (so it is not ready) until every dependency answers. What no retry can
 * fix — a refused password, a database that does not exist, a malformed URL — still fails at once.
 */

/**
 * Errors of a dependency that is not there *yet* (refused, reset, timed out, starting or shutting
 * down). Postgres says so with SQLSTATE class 57P (57P01 admin shutdown, 57P02 crash shutdown,
 * 57P03 cannot connect now: starting up, not yet accepting connections, in recovery) and 53300
 * (too many connections), matched by code as well as by message.
 */
const TRANSIENT =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|EPIPE|timed? ?out|Connection terminated|connection is closed|starting up|shutting down|in recovery mode|not yet accepting connections|too many clients|no responders|max retries per request|Stream isn't writeable|CONNECTION_REFUSED|CONNECTION_CLOSED|DISCONNECT|^57P0[123]$|^53300$/i;

export function isTransientStartupError(e: unknown): boolean {
  const seen = new Set<unknown>();
  for (let x: unknown = e; x instanceof Error && !seen.has(x); x = x.cause) {
    seen.add(x);
    const code = (x as Error & { code?: unknown }).code;
    if (TRANSIENT.test(x.message) || (typeof code === 'string' && TRANSIENT.test(code))) return true;
    if (x instanceof AggregateError && x.errors.some(isTransientStartupError)) return true;
  }
  return false;
}

export interface StartupWaitOptions {
  logger: Pick<Logger, 'warn' | 'info'>;
  /** First pause between attempts; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs `attempt` until it succeeds, waiting out transient failures; rethrows any other failure. */
export async function untilAvailable<T>(what: string, attempt: () => Promise<T>, opts: StartupWaitOptions): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxDelayMs = opts.maxDelayMs ?? 10_000;
  let delayMs = opts.initialDelayMs ?? 500;
  for (let n = 1; ; n++) {
    try {
      const value = await attempt();
      if (n > 1) opts.logger.info({ dependency: what, attempts: n }, `${what} is available`);
      return value;
    } catch (e) {
      if (!isTransientStartupError(e)) throw e;
      opts.logger.warn(
        { dependency: what, attempt: n, retry_in_ms: delayMs, err: { message: (e as Error).message } },
        `waiting for ${what}`,
      );
      await sleep(delayMs);
      delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
  }
}
