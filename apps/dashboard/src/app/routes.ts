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
}

export const DEFAULT_ALERT_FILTERS: AlertFilters = { q: '' };

export type Route =
  | { view: 'overview'; filters: FleetFilters }
  | { view: 'alerts'; filters: AlertFilters }
  | { view: 'silences' }
  | { view: 'maintenance' }
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
      },
    };
  if (path === '/silences') return { view: 'silences' };
  if (path === '/maintenance') return { view: 'maintenance' };
  if (path === '/users') return { view: 'users' };
  if (path === '/login') return { view: 'login', next: safeNext(params.get('next')) };
  return { view: 'notFound', path };
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
      return qs ? `/alerts?${qs}` : '/alerts';
    }
    case 'silences':
      return '/silences';
    case 'maintenance':
      return '/maintenance';
    case 'users':
      return '/users';
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
