import type { LabelMatcher, MaintenanceWindowView } from '../api/types';

/** The open windows (active first, then scheduled by start) and the past ones (latest first). */
export function splitWindows(list: readonly MaintenanceWindowView[]): {
  open: MaintenanceWindowView[];
  past: MaintenanceWindowView[];
} {
  const open = list
    .filter((w) => w.state === 'active' || w.state === 'scheduled')
    .sort((a, b) => (a.state === b.state ? a.startsAt.localeCompare(b.startsAt) : a.state === 'active' ? -1 : 1));
  const past = list
    .filter((w) => w.state === 'ended' || w.state === 'cancelled')
    .sort((a, b) => stoppedAt(b).localeCompare(stoppedAt(a)));
  return { open, past };
}

/** When a window stopped (or will): its cancellation if that came first, else its end. */
export const stoppedAt = (w: MaintenanceWindowView): string =>
  w.cancelledAt !== undefined && w.cancelledAt < w.endsAt ? w.cancelledAt : w.endsAt;

/** The matchers a form's rows make: rows without a label name are left out. */
export const formMatchers = (rows: readonly LabelMatcher[]): LabelMatcher[] =>
  rows.filter((r) => r.label.trim() !== '').map(({ label, op, value }) => ({ label: label.trim(), op, value }));

export const matcherText = (m: LabelMatcher): string => `${m.label}${m.op}"${m.value}"`;

export type WindowField = 'matchers' | `matchers.${number}` | 'startsAt' | 'endsAt' | 'reason' | 'form';

export interface WindowProblem {
  field: WindowField;
  message: string;
}

function fieldOf(path: readonly unknown[]): WindowField {
  const [head, index] = path;
  if (head === 'matchers') return /^\d+$/.test(String(index)) ? `matchers.${Number(index)}` : 'matchers';
  if (head === 'startsAt' || head === 'endsAt' || head === 'reason') return head;
  return 'form';
}

/**
 * The fields a problem+json answer names: its `errors` (each with a `path`), else what its
 * `detail` says (`invalid request: reason: say why; endsAt: must be in the future`).
 */
export function windowProblems(detail: string, errors: unknown): WindowProblem[] {
  const out: WindowProblem[] = [];
  if (Array.isArray(errors)) {
    for (const e of errors as unknown[]) {
      if (typeof e !== 'object' || e === null) continue;
      const { path, message } = e as { path?: unknown; message?: unknown };
      if (typeof message !== 'string') continue;
      out.push({ field: fieldOf(Array.isArray(path) ? path : []), message });
    }
    if (out.length > 0) return out;
  }
  for (const part of detail.replace(/^invalid [^:]+: /, '').split(/;\s+/)) {
    const m = /^([\w]+(?:\.[\w]+)*): (.+)$/s.exec(part);
    out.push(m ? { field: fieldOf(m[1].split('.')), message: m[2] } : { field: 'form', message: part });
  }
  return out;
}

/** A local `datetime-local` value as an instant; NaN when empty or unreadable. */
export const fromLocalInput = (value: string): number => (value ? new Date(value).getTime() : NaN);

/** The next instant after `now` an open window starts or stops: when the fleet's maintenance marks change by themselves. */
export function nextWindowBoundary(list: readonly MaintenanceWindowView[], now: number): number | undefined {
  let next: number | undefined;
  for (const w of list) {
    if (w.state !== 'active' && w.state !== 'scheduled') continue;
    for (const at of [Date.parse(w.startsAt), Date.parse(stoppedAt(w))])
      if (at > now && (next === undefined || at < next)) next = at;
  }
  return next;
}
