import { durationMs, ValidationError } from '@vigil/contracts';

const FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function rfc3339Ms(text: string): number | undefined {
  if (!RFC3339.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Prometheus API time: Unix seconds (fractions allowed) or RFC 3339; Unix milliseconds out. */
export function promTime(text: string | undefined, what: string, fallback?: number): number {
  if (text === undefined || text === '') {
    if (fallback !== undefined) return fallback;
    throw new ValidationError(`${what} is required`);
  }
  if (FLOAT.test(text)) {
    const ms = Math.round(Number(text) * 1000);
    if (Number.isFinite(ms)) return ms;
  }
  const ms = rfc3339Ms(text);
  if (ms === undefined) throw new ValidationError(`cannot parse "${text}" to a valid timestamp (${what})`);
  return ms;
}

/** Prometheus API step: seconds (fractions allowed) or a duration; positive; milliseconds out. */
export function promStep(text: string | undefined): number {
  if (text === undefined || text === '') throw new ValidationError('step is required');
  const ms = FLOAT.test(text) ? Math.round(Number(text) * 1000) : durationMs(text);
  if (ms === undefined || !Number.isFinite(ms))
    throw new ValidationError(`cannot parse "${text}" to a valid duration (step)`);
  if (ms <= 0)
    throw new ValidationError('zero or negative query resolution step widths are not accepted. Try a positive integer');
  return ms;
}

/**
 * Vigil REST time: `now`, `now-<duration>` (`now-1h`), RFC 3339, or Unix milliseconds (the
 * unit of the JSON API, so a script can pass what it got back).
 */
export function restTime(text: string | undefined, what: string, nowMs: number, fallback?: number): number {
  if (text === undefined || text === '') {
    if (fallback !== undefined) return fallback;
    throw new ValidationError(`${what} is required`);
  }
  if (text === 'now') return nowMs;
  const relative = /^now-(.+)$/.exec(text);
  if (relative) {
    const d = durationMs(relative[1]);
    if (d === undefined) throw new ValidationError(`${what}: "${relative[1]}" is not a duration (e.g. 15m, 1h, 7d)`);
    return nowMs - d;
  }
  if (/^\d+$/.test(text)) return Number(text);
  const ms = rfc3339Ms(text);
  if (ms === undefined)
    throw new ValidationError(`${what}: "${text}" is not a time (now, now-1h, RFC 3339 or Unix milliseconds)`);
  return ms;
}

/** Vigil REST step: a duration (`1m`) or milliseconds. */
export function restStep(text: string | undefined): number {
  if (text === undefined || text === '') throw new ValidationError('step is required');
  const ms = /^\d+$/.test(text) ? Number(text) : durationMs(text);
  if (ms === undefined)
    throw new ValidationError(`step: "${text}" is not a duration (e.g. 10s, 1m, 1h) or milliseconds`);
  return ms;
}
