import type { AlertView, LabelMatcher, LiveEvent, SilenceView } from '../api/types';
import type { AlertFilters } from '../app/routes';
import type { NodeRow } from '../fleet/fleet';
import type { MessageKey } from '../i18n/messages';

/**
 * The alerts and silences views' logic, kept out of the components (and unit-tested): the filters,
 * grouping by alertname, the live API's alert events applied to the list, label matchers as a
 * silence applies them, and the preview of what a silence would match.
 */

export const STATE_KEY: Record<AlertView['state'], MessageKey> = {
  firing: 'state.firing',
  pending: 'state.pending',
  resolved: 'state.resolved',
};
export const SEVERITY_KEY: Record<string, MessageKey | undefined> = {
  critical: 'severity.critical',
  warning: 'severity.warning',
  info: 'severity.info',
};

export type AlertEventType = 'alert.pending' | 'alert.firing' | 'alert.resolved';

/** The alerts whose fingerprints are the keys (pending and firing only: a resolved one leaves the list). */
export type AlertMap = Map<string, AlertView>;

export const alertName = (a: Pick<AlertView, 'labels' | 'ruleId'>): string => a.labels.alertname ?? a.ruleId;

/** When the alert entered its current state: fired, else became active. */
export const alertSince = (a: AlertView): string => (a.state === 'firing' && a.firedAt ? a.firedAt : a.activeAt);

export function selectAlerts(alerts: Iterable<AlertView>, f: AlertFilters): AlertView[] {
  const q = f.q.trim().toLowerCase();
  const out: AlertView[] = [];
  const only = f.fingerprints?.length ? new Set(f.fingerprints) : undefined;
  for (const a of alerts) {
    if (only && !only.has(a.fingerprint)) continue;
    if (f.state && a.state !== f.state) continue;
    if (f.severity && a.labels.severity !== f.severity) continue;
    if (q) {
      const text = [a.ruleId, ...Object.entries(a.labels).map(([k, v]) => `${k}=${v}`), ...Object.values(a.annotations)]
        .join('\n')
        .toLowerCase();
      if (!text.includes(q)) continue;
    }
    out.push(a);
  }
  return out;
}

export interface AlertGroup {
  name: string;
  alerts: AlertView[];
  firing: number;
  pending: number;
}

/** Alerts grouped by alertname (groups by name, alerts firing first, then the oldest first). */
export function groupAlerts(alerts: AlertView[], collator: Intl.Collator): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const a of alerts) {
    const name = alertName(a);
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { name, alerts: [], firing: 0, pending: 0 }));
    g.alerts.push(a);
    if (a.state === 'firing') g.firing++;
    else if (a.state === 'pending') g.pending++;
  }
  const rank = (a: AlertView) => (a.state === 'firing' ? 0 : 1);
  for (const g of groups.values())
    g.alerts.sort(
      (x, y) =>
        rank(x) - rank(y) ||
        Date.parse(alertSince(x)) - Date.parse(alertSince(y)) ||
        collator.compare(x.labels.node ?? '', y.labels.node ?? ''),
    );
  return [...groups.values()].sort((x, y) => collator.compare(x.name, y.name));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLabels = (v: unknown): v is Record<string, string> =>
  isRecord(v) && Object.values(v).every((x) => typeof x === 'string');
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Applies one event of the live API's `alerts` topic to the list, in place: pending and firing put
 * the alert in (keeping the silences already known to mute it), resolved takes it out. Returns
 * whether the list changed; an event it cannot read changes nothing.
 */
export function applyAlertEvent(alerts: AlertMap, event: LiveEvent): boolean {
  const d = event.data;
  if (!isRecord(d) || typeof d.fingerprint !== 'string' || typeof d.ruleId !== 'string' || !isLabels(d.labels))
    return false;
  const before = alerts.get(d.fingerprint);
  const value = typeof d.value === 'number' ? d.value : undefined;
  switch (event.type) {
    case 'alert.pending': {
      const activeAt = str(d.activeAt);
      if (!activeAt) return false;
      alerts.set(d.fingerprint, {
        fingerprint: d.fingerprint,
        ruleId: d.ruleId,
        state: 'pending',
        labels: d.labels,
        annotations: before?.annotations ?? {},
        activeAt,
        value,
        silencedBy: before?.silencedBy ?? [],
      });
      return true;
    }
    case 'alert.firing': {
      const activeAt = str(d.activeAt);
      const firedAt = str(d.firedAt);
      if (!activeAt || !firedAt) return false;
      alerts.set(d.fingerprint, {
        fingerprint: d.fingerprint,
        ruleId: d.ruleId,
        state: 'firing',
        labels: d.labels,
        annotations: isLabels(d.annotations) ? d.annotations : (before?.annotations ?? {}),
        activeAt,
        firedAt,
        value,
        silencedBy: before?.silencedBy ?? [],
      });
      return true;
    }
    case 'alert.resolved':
      return alerts.delete(d.fingerprint);
    default:
      return false;
  }
}

// ---- matchers, as a silence applies them ----

export type MatchOp = LabelMatcher['op'];
export const MATCH_OPS: readonly MatchOp[] = ['=', '!=', '=~', '!~'];

/** The matchers that silence exactly this alert (an equality per label). */
export const matchersOf = (labels: Record<string, string>): LabelMatcher[] =>
  Object.entries(labels).map(([label, value]) => ({ label, op: '=', value }));

/**
 * A pattern as the gateway anchors it (`^(?:…)$`), in the browser's engine: a leading `(?i)`
 * (or `(?s)`, `(?is)`) becomes a flag. The gateway uses RE2, so a pattern RE2 refuses (lookaround,
 * backreferences) may be read here; the gateway refuses it on submit, naming the field.
 * Undefined when JavaScript cannot read it.
 */
export function compilePattern(pattern: string): RegExp | undefined {
  let flags = '';
  let body = pattern;
  const lead = /^\(\?([is]+)\)/.exec(body);
  if (lead) {
    flags = [...new Set(lead[1])].join('');
    body = body.slice(lead[0].length);
  }
  try {
    return new RegExp(`^(?:${body})$`, flags);
  } catch {
    return undefined;
  }
}

/** Whether a matcher holds for these labels (a missing label reads as ""); undefined: the pattern cannot be read. */
export function matches(m: LabelMatcher, labels: Record<string, string>): boolean | undefined {
  const value = labels[m.label] ?? '';
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
    case '!~': {
      const re = compilePattern(m.value);
      if (!re) return undefined;
      return re.test(value) === (m.op === '=~');
    }
    default:
      return false;
  }
}

export const matchesAll = (ms: LabelMatcher[], labels: Record<string, string>): boolean =>
  ms.every((m) => matches(m, labels) === true);

export interface SilencePreview {
  /** Current and recently resolved alerts the matchers select. */
  alerts: AlertView[];
  /** Nodes whose alerts the silence would mute (below). */
  nodes: NodeRow[];
  /** Indexes of the matchers whose patterns the browser cannot read (the preview leaves them out). */
  unreadable: number[];
}

/**
 * What a silence would match, computed in the browser (the gateway has no preview of its own):
 * - alerts: every alert given (pending, firing and recently resolved) whose labels satisfy all the matchers;
 * - nodes: every node of the fleet whose own labels satisfy the matchers on labels a node has: its
 *   id as `node`, and its registered labels. Matchers on other labels (alertname, severity, mount…)
 *   depend on the alert, not the node, and are left out: the node has, or may have, an alert they select.
 */
export function previewSilence(
  ms: LabelMatcher[],
  alerts: Iterable<AlertView>,
  nodes: Iterable<NodeRow>,
): SilencePreview {
  const unreadable = ms.flatMap((m, i) => (matches(m, {}) === undefined ? [i] : []));
  const usable = ms.filter((_, i) => !unreadable.includes(i));
  const matchedAlerts = [...alerts].filter((a) => matchesAll(usable, a.labels));
  const matchedNodes: NodeRow[] = [];
  for (const n of nodes) {
    const own: Record<string, string> = { ...n.labels, node: n.id };
    const about = usable.filter((m) => m.label === 'node' || m.label in n.labels);
    if (matchesAll(about, own)) matchedNodes.push(n);
  }
  return { alerts: matchedAlerts, nodes: matchedNodes, unreadable };
}

// ---- silences ----

/** A silence whose end is within this long (and not past) is flagged. */
export const EXPIRES_SOON_MS = 3_600_000;

export const isCurrent = (s: SilenceView): boolean => s.state === 'active' || s.state === 'pending';

export function endsSoon(s: SilenceView, now: number): boolean {
  const left = Date.parse(s.endsAt) - now;
  return isCurrent(s) && left >= 0 && left <= EXPIRES_SOON_MS;
}

/** Whole minutes until a silence ends, rounded up ("ends in 12 min"); 0 once it has. */
export const minutesLeft = (s: SilenceView, now: number): number =>
  Math.max(0, Math.ceil((Date.parse(s.endsAt) - now) / 60_000));

/**
 * The active silences that mute any of `alerts` and end within the hour, soonest first, each with
 * the alerts it mutes: once one ends, those alerts notify again.
 */
export function silencesEndingSoon(
  alerts: Iterable<AlertView>,
  silences: readonly SilenceView[],
  now: number,
): { silence: SilenceView; alerts: AlertView[] }[] {
  const ending = new Map(
    silences.filter((s) => s.state === 'active' && endsSoon(s, now)).map((s) => [s.id, [] as AlertView[]]),
  );
  if (ending.size === 0) return [];
  for (const a of alerts) for (const id of a.silencedBy) ending.get(id)?.push(a);
  return silences
    .filter((s) => (ending.get(s.id)?.length ?? 0) > 0)
    .sort((a, b) => Date.parse(a.endsAt) - Date.parse(b.endsAt))
    .map((s) => ({ silence: s, alerts: ending.get(s.id) ?? [] }));
}

/** When a silence ended (an operator's expire, else its `endsAt`). */
export const endedAt = (s: SilenceView): string => s.expiredAt ?? s.endsAt;

export function splitSilences(list: SilenceView[]): { current: SilenceView[]; expired: SilenceView[] } {
  const current = list.filter(isCurrent).sort((a, b) => Date.parse(a.endsAt) - Date.parse(b.endsAt));
  const expired = list.filter((s) => !isCurrent(s)).sort((a, b) => Date.parse(endedAt(b)) - Date.parse(endedAt(a)));
  return { current, expired };
}

export const DURATION_PRESETS = ['1h', '2h', '4h', '1d', '7d'] as const;
export type DurationPreset = (typeof DURATION_PRESETS)[number];
const PRESET_MS: Record<DurationPreset, number> = {
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
  '7d': 7 * 86_400_000,
};
export const presetMs = (p: DurationPreset): number => PRESET_MS[p];

/** A time as `<input type="datetime-local">` wants it, in the browser's time zone (to the minute). */
export function toLocalInput(t: number): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// ---- the API's validation problems, by field ----

export interface FieldProblem {
  /** `matchers.<i>` (a matcher's row), `matchers`, `endsAt`, `comment`, or `form` (anything else). */
  field: string;
  message: string;
}

const fieldOf = (path: readonly (string | number)[]): string => {
  const [head, index] = path;
  if (head === 'matchers')
    return typeof index === 'number' || /^\d+$/.test(String(index)) ? `matchers.${index}` : 'matchers';
  if (head === 'endsAt' || head === 'duration' || head === 'startsAt') return 'endsAt';
  if (head === 'comment') return 'comment';
  return 'form';
};

/**
 * The fields a problem+json answer names: its `errors` (the contract's issues, each with a
 * `path`), else what its `detail` says (`invalid request: comment: say why; endsAt: …`).
 */
export function fieldProblems(detail: string, errors: unknown): FieldProblem[] {
  if (Array.isArray(errors)) {
    const out: FieldProblem[] = [];
    for (const e of errors) {
      if (!isRecord(e) || typeof e.message !== 'string') continue;
      const path = Array.isArray(e.path)
        ? e.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number')
        : [];
      out.push({ field: fieldOf(path), message: e.message });
    }
    if (out.length > 0) return out;
  }
  const body = detail.replace(/^invalid [^:]+: /, '');
  const out: FieldProblem[] = [];
  for (const part of body.split(/;\s+/)) {
    const m = /^([\w]+(?:\.[\w]+)*): (.+)$/s.exec(part);
    if (m) out.push({ field: fieldOf(m[1].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p))), message: m[2] });
    else out.push({ field: 'form', message: part });
  }
  return out;
}
