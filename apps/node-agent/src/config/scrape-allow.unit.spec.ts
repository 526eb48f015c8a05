import { isScrapeUrlAllowed } from './scrape-allow';

describe('isScrapeUrlAllowed', () => {
  it.each([
    ['http://127.0.0.1:9100/metrics', ['127.0.0.1:9100'], true],
    ['https://127.0.0.1:9100/x?y=1', ['127.0.0.1:9100'], true],
    ['http://127.0.0.1:9101/metrics', ['127.0.0.1:9100'], false],
    ['http://127.0.0.2:9100/metrics', ['127.0.0.1:9100'], false],
    ['http://LOCALHOST:9256/metrics', ['http://localhost:*/metrics'], true],
    ['https://localhost:9256/metrics', ['http://localhost:*/metrics'], false],
    ['http://localhost/metrics', ['http://localhost/metrics'], true],
    ['http://localhost:80/metrics', ['http://localhost/metrics'], true],
    ['http://localhost:8080/metrics', ['http://localhost/metrics'], false],
    ['http://localhost:1/metrics?x=1', ['http://localhost:*/metrics'], false],
    ['http://localhost:1/a/metrics', ['http://localhost:*/*/metrics'], true],
    ['http://localhost:1/a/b/metrics', ['http://localhost:*/*/metrics'], false],
    ['http://localhost:1/anything', ['http://localhost:*'], true],
    ['http://localhost.evil.com:1/metrics', ['http://localhost:*/metrics'], false],
    ['http://user:pw@localhost:1/metrics', ['http://localhost:*/metrics'], false],
    ['file:///etc/shadow', ['http://localhost:*'], false],
    ['http://[::1]:9100/metrics', ['[::1]:9100'], true],
    ['not a url', ['127.0.0.1:9100'], false],
    ['http://127.0.0.1:9100/metrics', ['*', 'http://*:*/*', ''], false],
    ['http://127.0.0.1:9100/metrics', [], false],
    ['http://localhost:1/m.x', ['http://localhost:*/m.x'], true],
    ['http://localhost:1/max', ['http://localhost:*/m.x'], false],
    ['http://localhost:1/a-b-metrics', ['http://localhost:*/*-*-metrics'], true],
    ['http://localhost:1/ab-metrics', ['http://localhost:*/*-*-metrics'], false],
    ['http://localhost:1/metrics?job=x', ['http://localhost:*/metrics?job=*'], true],
    ['http://localhost:1/metrics?job=x/y', ['http://localhost:*/metrics?job=*'], false],
  ])('%s with %j: %s', (url, patterns, allowed) => {
    expect(isScrapeUrlAllowed(url, patterns)).toBe(allowed);
  });

  it('matches a many-star glob against a hostile path in linear time, then a well-behaved URL as before', () => {
    // With the former regular expression (^/a[^/]*a[^/]*…b$) this pair took time exponential in the stars.
    const glob = `http://localhost:*/${'a*'.repeat(20)}b`;
    const started = performance.now();
    expect(isScrapeUrlAllowed(`http://localhost:1/${'a'.repeat(5000)}`, [glob])).toBe(false);
    expect(performance.now() - started).toBeLessThan(100);
    expect(isScrapeUrlAllowed(`http://localhost:1/${'a'.repeat(30)}b`, [glob])).toBe(true);
    expect(isScrapeUrlAllowed('http://localhost:9100/metrics', ['http://localhost:*/metrics'])).toBe(true);
  });
});
