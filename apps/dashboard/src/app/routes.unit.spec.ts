import { DEFAULT_ALERT_FILTERS, DEFAULT_FILTERS, parseRoute, type Route, routeHref, safeNext } from './routes';

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
