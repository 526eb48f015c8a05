import * as z from 'zod';
import { overLimit, REQUEST_LIMITS } from './request-limits';

const UNITS: Record<string, number> = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** A Prometheus duration (`1h30m`, `15s`, `500ms`, `2d`, `1w`, `1y`) in milliseconds, or undefined. */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === '') return undefined;
  const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  return units.reduce((total, unit, i) => total + Number(m[i + 1] ?? 0) * UNITS[unit], 0);
}

/** The shortest Prometheus duration text of `ms` (`300000` → `5m`, `5400000` → `1h30m`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['y', 'w', 'd', 'h', 'm', 's', 'ms']) {
    const n = Math.floor(rest / UNITS[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * UNITS[unit];
    }
  }
  return out;
}

/**
 * A duration given as Prometheus text (`5m`) or whole milliseconds; milliseconds out. At most
 * REQUEST_LIMITS.duration_max_ms (one year), its text at most REQUEST_LIMITS.duration_text_chars.
 */
export const Duration = z
  .union([
    z.number(),
    z.string().max(REQUEST_LIMITS.duration_text_chars, overLimit('duration_text_chars', 'duration text')),
  ])
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : durationMs(value);
    if (ms === undefined || !Number.isSafeInteger(ms) || ms < 0) {
      const shown = typeof value === 'number' ? String(value) : `"${value}"`;
      ctx.addIssue({
        code: 'custom',
        message: `invalid duration ${shown} (use e.g. 30s, 5m, 1h30m, or whole milliseconds)`,
      });
      return z.NEVER;
    }
    if (ms > REQUEST_LIMITS.duration_max_ms) {
      ctx.addIssue({ code: 'custom', message: overLimit('duration_max_ms', `duration of ${ms} ms`) });
      return z.NEVER;
    }
    return ms;
  });
