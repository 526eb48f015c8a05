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
  ])('%s with %j: %s', (url, patterns, allowed) => {
    expect(isScrapeUrlAllowed(url, patterns)).toBe(allowed);
  });
});
