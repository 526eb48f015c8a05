import {
  DEFAULT_ALERT_FILTERS,
  DEFAULT_AUDIT_FILTERS,
  DEFAULT_FILTERS,
  DEFAULT_RULE_FILTERS,
  parseRoute,
  type Route,
  routeHref,
  safeNext,
} from './routes';

const round = (route: Route) => {
  const url = new URL(routeHref(route), 'http://console.test');
  return parseRoute(url.pathname, url.search);
};

describe('console routes', () => {
  it('keeps the view and its filters in the URL, both ways', () => {
    const overview: Route = {
      view: 'overview',
      filters: { q: 'web', labels: ['env=prod', 'rack=r 1'], status: 'online', sort: 'lastSeen', desc: true },
    };
    expect(routeHref(overview)).toBe(
      '/?q=web&label=env%3Dprod&label=rack%3Dr+1&status=online&sort=lastSeen&order=desc',
    );
    expect(round(overview)).toEqual(overview);
    const node: Route = { view: 'node', id: 'web/1', range: '6h' };
    expect(routeHref(node)).toBe('/nodes/web%2F1?range=6h');
    expect(round(node)).toEqual(node);
    expect(routeHref({ view: 'node', id: 'a', range: '1h' })).toBe('/nodes/a');
    expect(round({ view: 'users' })).toEqual({ view: 'users' });
    expect(routeHref({ view: 'overview', filters: DEFAULT_FILTERS })).toBe('/');
  });

  it('keeps the alerts view’s filters in the URL', () => {
    const alerts: Route = { view: 'alerts', filters: { q: 'web 1', state: 'firing', severity: 'critical' } };
    expect(routeHref(alerts)).toBe('/alerts?state=firing&severity=critical&q=web+1');
    expect(round(alerts)).toEqual(alerts);
    expect(routeHref({ view: 'alerts', filters: DEFAULT_ALERT_FILTERS })).toBe('/alerts');
    expect(parseRoute('/alerts', '?state=resolved&severity=loud')).toEqual({
      view: 'alerts',
      filters: DEFAULT_ALERT_FILTERS,
    });
    expect(round({ view: 'silences' })).toEqual({ view: 'silences' });
    expect(round({ view: 'maintenance' })).toEqual({ view: 'maintenance' });
    expect(parseRoute('/maintenance/', '')).toEqual({ view: 'maintenance' });
  });

  it('keeps the admin views and the audit trail’s filters and page in the URL', () => {
    const audit: Route = {
      view: 'audit',
      filters: {
        actor: 'user:admin',
        action: 'POST /api/v1/keys',
        q: 'grafana key',
        outcome: 'failure',
        since: '2026-12-07T10:00:00.000Z',
        until: '2026-12-07T11:00:00.000Z',
        before: 42,
      },
    };
    expect(routeHref(audit)).toBe(
      '/audit?actor=user%3Aadmin&action=POST+%2Fapi%2Fv1%2Fkeys&q=grafana+key&outcome=failure' +
        '&since=2026-12-07T10%3A00%3A00.000Z&until=2026-12-07T11%3A00%3A00.000Z&before=42',
    );
    expect(round(audit)).toEqual(audit);
    expect(routeHref({ view: 'audit', filters: DEFAULT_AUDIT_FILTERS })).toBe('/audit');
    expect(parseRoute('/audit', '?outcome=maybe&since=yesterday&before=-3&until=2026-12-07T10:00:00%2B08:00')).toEqual({
      view: 'audit',
      filters: { ...DEFAULT_AUDIT_FILTERS, until: '2026-12-07T02:00:00.000Z' },
    });
    expect(parseRoute('/audit', `?q=${'x'.repeat(300)}`)).toMatchObject({ filters: { q: 'x'.repeat(200) } });
    expect(round({ view: 'keys' })).toEqual({ view: 'keys' });
    expect(round({ view: 'status' })).toEqual({ view: 'status' });
  });

  it('keeps the rules view’s filters and the rule form in the URL', () => {
    const rules: Route = { view: 'rules', filters: { q: 'cpu 1', kind: 'threshold', state: 'disabled' } };
    expect(routeHref(rules)).toBe('/rules?kind=threshold&state=disabled&q=cpu+1');
    expect(round(rules)).toEqual(rules);
    expect(routeHref({ view: 'rules', filters: DEFAULT_RULE_FILTERS })).toBe('/rules');
    expect(parseRoute('/rules', '?kind=loud&state=maybe')).toEqual({ view: 'rules', filters: DEFAULT_RULE_FILTERS });

    const created: Route = { view: 'rule', id: null, kind: 'absent' };
    expect(routeHref(created)).toBe('/rules/new?kind=absent');
    expect(round(created)).toEqual(created);
    expect(routeHref({ view: 'rule', id: null, kind: 'threshold' })).toBe('/rules/new');
    // The kind of an existing rule is its own: the URL does not carry it.
    expect(routeHref({ view: 'rule', id: 'high-cpu', kind: 'threshold' })).toBe('/rules/high-cpu');
    expect(round({ view: 'rule', id: 'high-cpu', kind: 'threshold' })).toEqual({
      view: 'rule',
      id: 'high-cpu',
      kind: 'threshold',
    });
    // A rule whose id is `new` is not the form of a new rule.
    expect(routeHref({ view: 'rule', id: 'new', kind: 'threshold' })).toBe('/rules/new?edit');
    expect(round({ view: 'rule', id: 'new', kind: 'threshold' })).toEqual({
      view: 'rule',
      id: 'new',
      kind: 'threshold',
    });
    expect(parseRoute('/rules/%E0%A4%A', '')).toEqual({ view: 'notFound', path: '/rules/%E0%A4%A' });
  });

  it('ignores what it does not know instead of failing', () => {
    expect(parseRoute('/', '?status=bogus&sort=x&label=novalue&range=9y')).toEqual({
      view: 'overview',
      filters: DEFAULT_FILTERS,
    });
    expect(parseRoute('/nodes/a', '?range=9y')).toEqual({ view: 'node', id: 'a', range: '1h' });
    expect(parseRoute('/nodes/%E0%A4%A', '')).toEqual({ view: 'notFound', path: '/nodes/%E0%A4%A' });
    expect(parseRoute('/nowhere', '')).toEqual({ view: 'notFound', path: '/nowhere' });
  });

  it('sends a login only back into the console', () => {
    expect(safeNext('/nodes/a?range=6h')).toBe('/nodes/a?range=6h');
    for (const bad of [null, '', 'https://evil.example', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)'])
      expect(safeNext(bad)).toBe('/');
    expect(parseRoute('/login', '?next=%2F%2Fevil.example')).toEqual({ view: 'login', next: '/' });
  });
});

describe('receivers, notifications and the links notifications carry', () => {
  const a = '00000000000000a1';
  const b = '00000000000000b2';

  it('opens the alerts a notification links to (alert-svc writes /alerts?fingerprint=a,b)', () => {
    expect(parseRoute('/alerts', `?fingerprint=${a},${b}`)).toEqual({
      view: 'alerts',
      filters: { q: '', fingerprints: [a, b] },
    });
    const linked: Route = { view: 'alerts', filters: { q: '', fingerprints: [a, b] } };
    expect(routeHref(linked)).toBe(`/alerts?fingerprint=${a},${b}`);
    expect(round(linked)).toEqual(linked);
    expect(routeHref({ view: 'alerts', filters: { q: 'x', state: 'firing', fingerprints: [a] } })).toBe(
      `/alerts?state=firing&q=x&fingerprint=${a}`,
    );
    // Anything not a fingerprint is dropped, repeats once, and at most 20 are kept.
    expect(parseRoute('/alerts', `?fingerprint=${a},<script>,${a},XYZ`)).toEqual({
      view: 'alerts',
      filters: { q: '', fingerprints: [a] },
    });
    expect(parseRoute('/alerts', '?fingerprint=zz')).toEqual({ view: 'alerts', filters: DEFAULT_ALERT_FILTERS });
    const many = Array.from({ length: 25 }, (_, i) => i.toString(16).padStart(16, '0')).join(',');
    const parsed = parseRoute('/alerts', `?fingerprint=${many}`);
    expect(parsed.view === 'alerts' && parsed.filters.fingerprints?.length).toBe(20);
  });

  it('keeps the notifications view’s filters and page in the URL', () => {
    const page: Route = {
      view: 'notifications',
      filters: {
        receiver: 'ops-hook',
        state: 'failed',
        alert: a,
        before: '01956a8e-7c00-7000-8000-000000000001',
      },
    };
    expect(routeHref(page)).toBe(
      `/notifications?receiver=ops-hook&state=failed&alert=${a}&before=01956a8e-7c00-7000-8000-000000000001`,
    );
    expect(round(page)).toEqual(page);
    expect(routeHref({ view: 'notifications', filters: {} })).toBe('/notifications');
    expect(parseRoute('/notifications', '?receiver=a%20b&state=sent&alert=nope&before=1')).toEqual({
      view: 'notifications',
      filters: {},
    });
    expect(round({ view: 'receivers' })).toEqual({ view: 'receivers' });
  });

  it('keeps the backups view’s job filter in the URL, and drops one that is not a job id', () => {
    const one: Route = { view: 'backups', job: 'nightly_db-2' };
    expect(routeHref(one)).toBe('/backups?job=nightly_db-2');
    expect(round(one)).toEqual(one);
    expect(routeHref({ view: 'backups' })).toBe('/backups');
    expect(round({ view: 'backups' })).toEqual({ view: 'backups' });
    expect(parseRoute('/backups/', '?job=../etc')).toEqual({ view: 'backups' });
    expect(parseRoute('/backups', `?job=${'a'.repeat(65)}`)).toEqual({ view: 'backups' });
    expect(parseRoute('/backups', '?job=')).toEqual({ view: 'backups' });
  });
});
