/**
 * The console's routes as data: every view and its filters live in the URL (path and query), so a
 * link or a reload shows the same thing. Paths stay clear of the gateway's own (`/api`, `/ws`,
 * `/health*`, `/metrics`, `/docs`), which the gateway never answers with the console.
 */

export const NODE_STATUSES = ['online', 'offline', 'registered'] as const;
export type StatusFilter = (typeof NODE_STATUSES)[number] | 'maintenance';
export const STATUS_FILTERS: readonly StatusFilter[] = [...NODE_STATUSES, 'maintenance'];

export const SORT_KEYS = ['hostname', 'status', 'lastSeen'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const RANGES = ['15m', '1h', '6h', '24h', '7d'] as const;
export type RangeKey = (typeof RANGES)[number];

export interface FleetFilters {
  /** Text searched in the node id and hostname. */
  q: string;
  /** `name=value` labels every shown node carries. */
  labels: string[];
  status?: StatusFilter;
  sort: SortKey;
  desc: boolean;
}

export const ALERT_STATES = ['firing', 'pending'] as const;
export type AlertStateFilter = (typeof ALERT_STATES)[number];
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type SeverityFilter = (typeof SEVERITIES)[number];

export interface AlertFilters {
  /** Text searched in the alert's rule, labels and annotations. */
  q: string;
  state?: AlertStateFilter;
  severity?: SeverityFilter;
  /** Exactly these alerts (a notification's link: `?fingerprint=a,b`); none: every alert. */
  fingerprints?: string[];
}

/** An alert's fingerprint: 16 hex digits (as alert-svc makes them). */
export const isFingerprint = (text: string): boolean => /^[0-9a-f]{16}$/.test(text);
/** A notification's id (a UUID), the page cursor of the notifications list. */
const isUuid = (text: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
/** A receiver's name, as the notify config allows them. */
const isReceiverName = (text: string): boolean => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(text);
/** A backup job's id, as the contracts allow them (a subject token). */
const isBackupJobId = (text: string): boolean => /^[A-Za-z0-9_-]{1,64}$/.test(text);

export const NOTIFICATION_STATES = ['pending', 'delivered', 'failed'] as const;
export type NotificationStateFilter = (typeof NOTIFICATION_STATES)[number];

export interface NotificationFilters {
  receiver?: string;
  state?: NotificationStateFilter;
  /** One alert's notifications, by fingerprint. */
  alert?: string;
  /** The page after this notification (its id); none: the newest page. */
  before?: string;
}

export const DEFAULT_ALERT_FILTERS: AlertFilters = { q: '' };

export const AUDIT_OUTCOMES = ['success', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** The audit trail's filters, as the API takes them (`GET /api/v1/audit`). */
export interface AuditFilters {
  /** `user:<name>`, `key:<id>` or `anonymous`: exact. */
  actor: string;
  /** `<METHOD> <route>` or `key.used`: exact. */
  action: string;
  /** Text in the actor, action, target or what was sent. */
  q: string;
  outcome?: AuditOutcome;
  /** ISO timestamps: from (inclusive), to (exclusive). */
  since?: string;
  until?: string;
  /** The page: records older than this sequence (the previous page's `next`); absent: the newest. */
  before?: number;
}

export const DEFAULT_AUDIT_FILTERS: AuditFilters = { actor: '', action: '', q: '' };
export const RULE_KINDS = ['threshold', 'absent', 'offline', 'event', 'missing'] as const;
export type RuleKindFilter = (typeof RULE_KINDS)[number];
export const RULE_STATES = ['enabled', 'disabled'] as const;
export type RuleStateFilter = (typeof RULE_STATES)[number];

export interface RuleFilters {
  /** Text searched in the rule's id, name, metric and labels. */
  q: string;
  kind?: RuleKindFilter;
  state?: RuleStateFilter;
}

export const DEFAULT_RULE_FILTERS: RuleFilters = { q: '' };

export type Route =
  | { view: 'overview'; filters: FleetFilters }
  | { view: 'audit'; filters: AuditFilters }
  | { view: 'keys' }
  | { view: 'status' }
  | { view: 'alerts'; filters: AlertFilters }
  | { view: 'silences' }
  | { view: 'receivers' }
  | { view: 'notifications'; filters: NotificationFilters }
  | { view: 'rules'; filters: RuleFilters }
  /** One rule's form: `id` null for a new rule (of `kind`). */
  | { view: 'rule'; id: string | null; kind: RuleKindFilter }
  | { view: 'maintenance' }
  /** Backup jobs and runs; `job`: only that job's runs. */
  | { view: 'backups'; job?: string }
  | { view: 'node'; id: string; range: RangeKey }
  | { view: 'users' }
  | { view: 'login'; next: string }
  | { view: 'notFound'; path: string };

export const DEFAULT_FILTERS: FleetFilters = { q: '', labels: [], sort: 'hostname', desc: false };

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  values.find((v) => v === value);

/** A label filter is `name=value` with a non-empty name. */
export const isLabelFilter = (text: string): boolean => /^[^=\s]+=.*$/.test(text);

export function parseRoute(pathname: string, search: string): Route {
  const params = new URLSearchParams(search);
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/nodes') {
    return {
      view: 'overview',
      filters: {
        q: (params.get('q') ?? '').slice(0, 200),
        labels: params.getAll('label').filter(isLabelFilter).slice(0, 20),
        status: oneOf(STATUS_FILTERS, params.get('status')),
        sort: oneOf(SORT_KEYS, params.get('sort')) ?? 'hostname',
        desc: params.get('order') === 'desc',
      },
    };
  }
  const node = /^\/nodes\/([^/]+)$/.exec(path);
  if (node) {
    let id: string;
    try {
      id = decodeURIComponent(node[1]);
    } catch {
      return { view: 'notFound', path };
    }
    return { view: 'node', id, range: oneOf(RANGES, params.get('range')) ?? '1h' };
  }
  if (path === '/alerts')
    return {
      view: 'alerts',
      filters: {
        q: (params.get('q') ?? '').slice(0, 200),
        state: oneOf(ALERT_STATES, params.get('state')),
        severity: oneOf(SEVERITIES, params.get('severity')),
        ...fingerprints(params.get('fingerprint')),
      },
    };
  if (path === '/silences') return { view: 'silences' };
  if (path === '/receivers') return { view: 'receivers' };
  if (path === '/notifications') {
    const receiver = params.get('receiver') ?? '';
    const alert = params.get('alert') ?? '';
    const before = params.get('before') ?? '';
    return {
      view: 'notifications',
      filters: {
        ...(isReceiverName(receiver) ? { receiver } : {}),
        ...(oneOf(NOTIFICATION_STATES, params.get('state'))
          ? { state: oneOf(NOTIFICATION_STATES, params.get('state')) }
          : {}),
        ...(isFingerprint(alert) ? { alert } : {}),
        ...(isUuid(before) ? { before: before.toLowerCase() } : {}),
      },
    };
  }
  if (path === '/rules')
    return {
      view: 'rules',
      filters: {
        q: (params.get('q') ?? '').slice(0, 200),
        kind: oneOf(RULE_KINDS, params.get('kind')),
        state: oneOf(RULE_STATES, params.get('state')),
      },
    };
  const rule = /^\/rules\/([^/]+)$/.exec(path);
  if (rule) {
    const kind = oneOf(RULE_KINDS, params.get('kind')) ?? 'threshold';
    // `/rules/new` is the form of a new rule; a rule whose id is `new` is `/rules/new?edit`.
    if (rule[1] === 'new' && !params.has('edit')) return { view: 'rule', id: null, kind };
    let id: string;
    try {
      id = decodeURIComponent(rule[1]);
    } catch {
      return { view: 'notFound', path };
    }
    return { view: 'rule', id, kind };
  }
  if (path === '/maintenance') return { view: 'maintenance' };
  if (path === '/backups') {
    const job = params.get('job') ?? '';
    return isBackupJobId(job) ? { view: 'backups', job } : { view: 'backups' };
  }
  if (path === '/users') return { view: 'users' };
  if (path === '/audit') return { view: 'audit', filters: parseAuditFilters(params) };
  if (path === '/keys') return { view: 'keys' };
  if (path === '/status') return { view: 'status' };
  if (path === '/login') return { view: 'login', next: safeNext(params.get('next')) };
  return { view: 'notFound', path };
}

/** `a,b,c`: the valid fingerprints, at most 20 (what a notification's link names), none repeated. */
function fingerprints(text: string | null): { fingerprints?: string[] } {
  const list = [...new Set((text ?? '').split(',').filter(isFingerprint))].slice(0, 20);
  return list.length > 0 ? { fingerprints: list } : {};
}

/** An ISO timestamp the API takes, normalised; anything else is dropped. */
function isoTime(text: string | null): string | undefined {
  if (!text || text.length > 40) return undefined;
  const t = Date.parse(text);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

function parseAuditFilters(params: URLSearchParams): AuditFilters {
  const before = Number(params.get('before'));
  return {
    // The API's own bounds: longer text would be refused.
    actor: (params.get('actor') ?? '').slice(0, 256),
    action: (params.get('action') ?? '').slice(0, 256),
    q: (params.get('q') ?? '').slice(0, 200),
    outcome: oneOf(AUDIT_OUTCOMES, params.get('outcome')),
    since: isoTime(params.get('since')),
    until: isoTime(params.get('until')),
    before: Number.isSafeInteger(before) && before > 0 ? before : undefined,
  };
}

/** Where to go after logging in: a path of the console only (never another origin, never `//host`). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next.slice(0, 2000);
}

export function routeHref(route: Route): string {
  switch (route.view) {
    case 'overview': {
      const p = new URLSearchParams();
      const f = route.filters;
      if (f.q) p.set('q', f.q);
      for (const l of f.labels) p.append('label', l);
      if (f.status) p.set('status', f.status);
      if (f.sort !== 'hostname') p.set('sort', f.sort);
      if (f.desc) p.set('order', 'desc');
      const qs = p.toString();
      return qs ? `/?${qs}` : '/';
    }
    case 'node':
      return `/nodes/${encodeURIComponent(route.id)}${route.range === '1h' ? '' : `?range=${route.range}`}`;
    case 'alerts': {
      const p = new URLSearchParams();
      const f = route.filters;
      if (f.state) p.set('state', f.state);
      if (f.severity) p.set('severity', f.severity);
      if (f.q) p.set('q', f.q);
      const qs = p.toString();
      // Fingerprints are hex: the list stays readable (`a,b`), as alert-svc's links write it.
      const fps = f.fingerprints?.length ? `fingerprint=${f.fingerprints.join(',')}` : '';
      const all = [qs, fps].filter(Boolean).join('&');
      return all ? `/alerts?${all}` : '/alerts';
    }
    case 'silences':
      return '/silences';
    case 'receivers':
      return '/receivers';
    case 'notifications': {
      const p = new URLSearchParams();
      const f = route.filters;
      if (f.receiver) p.set('receiver', f.receiver);
      if (f.state) p.set('state', f.state);
      if (f.alert) p.set('alert', f.alert);
      if (f.before) p.set('before', f.before);
      const qs = p.toString();
      return qs ? `/notifications?${qs}` : '/notifications';
    }
    case 'rules': {
      const p = new URLSearchParams();
      const f = route.filters;
      if (f.kind) p.set('kind', f.kind);
      if (f.state) p.set('state', f.state);
      if (f.q) p.set('q', f.q);
      const qs = p.toString();
      return qs ? `/rules?${qs}` : '/rules';
    }
    case 'rule':
      if (route.id === null) return route.kind === 'threshold' ? '/rules/new' : `/rules/new?kind=${route.kind}`;
      return route.id === 'new' ? '/rules/new?edit' : `/rules/${encodeURIComponent(route.id)}`;
    case 'maintenance':
      return '/maintenance';
    case 'backups':
      return route.job === undefined ? '/backups' : `/backups?${new URLSearchParams({ job: route.job }).toString()}`;
    case 'users':
      return '/users';
    case 'audit': {
      const p = new URLSearchParams();
      const f = route.filters;
      if (f.actor) p.set('actor', f.actor);
      if (f.action) p.set('action', f.action);
      if (f.q) p.set('q', f.q);
      if (f.outcome) p.set('outcome', f.outcome);
      if (f.since) p.set('since', f.since);
      if (f.until) p.set('until', f.until);
      if (f.before !== undefined) p.set('before', String(f.before));
      const qs = p.toString();
      return qs ? `/audit?${qs}` : '/audit';
    }
    case 'keys':
      return '/keys';
    case 'status':
      return '/status';
    case 'login':
      return route.next === '/' ? '/login' : `/login?next=${encodeURIComponent(route.next)}`;
    case 'notFound':
      return route.path;
    default: {
      const never: never = route;
      return never;
    }
  }
}
