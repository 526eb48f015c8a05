import type { LiveServerFrame } from '../api/types';

/**
 * Server frames of the live API checked by hand, field by field, against the contract's shapes
 * (libs/contracts/src/live/live.schema.ts): the contract's zod schemas would put zod in the browser
 * bundle for a handful of checks. A frame that does not match is dropped (undefined).
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const CURSOR = /^\d{1,19}$/;
const isId = (v: unknown) => isStr(v) && ID.test(v);
const isLabels = (v: unknown) => isObj(v) && Object.values(v).every(isStr);
const ERROR_CODES = new Set(['bad_request', 'forbidden', 'limit', 'not_found', 'unavailable']);

function valid(f: Obj): boolean {
  switch (f.type) {
    case 'welcome': {
      const p = f.principal;
      const l = f.limits;
      return (
        isObj(p) &&
        (p.kind === 'user' || p.kind === 'key') &&
        isStr(p.id) &&
        isStr(p.role) &&
        isObj(l) &&
        isNum(l.subscriptions) &&
        isNum(l.sample_nodes) &&
        isNum(l.sample_metrics) &&
        isNum(l.ping_ms)
      );
    }
    case 'subscribed':
      return isId(f.id) && optional(f.replayed, (v) => isNum(v) && Number.isInteger(v));
    case 'unsubscribed':
      return isId(f.id);
    case 'event': {
      const e = f.event;
      return (
        isId(f.id) &&
        isStr(f.cursor) &&
        CURSOR.test(f.cursor) &&
        isObj(e) &&
        isStr(e.type) &&
        isStr(e.subject) &&
        isStr(e.occurredAt) &&
        isStr(e.actor)
      );
    }
    case 'samples':
      return (
        isId(f.id) &&
        isStr(f.nodeId) &&
        isNum(f.timestamp) &&
        Array.isArray(f.samples) &&
        f.samples.every((s) => isObj(s) && isStr(s.name) && isLabels(s.labels) && isNum(s.value))
      );
    case 'reset':
      return isId(f.id) && isStr(f.reason);
    case 'pong':
      return optional(f.t, isNum);
    case 'error':
      return (
        optional(f.id, isId) && isStr(f.code) && ERROR_CODES.has(f.code) && isStr(f.message) && optional(f.field, isStr)
      );
    default:
      return false;
  }
}

/** The frame in a text message, if it is one the contract defines. */
export function parseServerFrame(text: string): LiveServerFrame | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isObj(parsed) && valid(parsed) ? (parsed as LiveServerFrame) : undefined;
}
