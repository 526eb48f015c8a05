import { createLogger, type Logger } from '@vigil/telemetry';
import type { NotifierDeps } from '../notifier-deps';

/** A real pino logger (level trace) writing its lines to memory, so a test can read what a notifier logged. */
export function captureLogs(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'alert-svc',
    level: 'trace',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines };
}

/** Deps with a captured logger, a fixed clock and an environment of the test's own. */
export function testDeps(
  opts: { now?: number; env?: Record<string, string> } = {},
): NotifierDeps & { lines: string[] } {
  const { logger, lines } = captureLogs();
  const now = opts.now;
  return { logger, lines, env: opts.env ?? {}, ...(now === undefined ? {} : { now: () => now }) };
}
