import { FrameRate } from './frame-rate';
import type { IncomingMessage } from 'node:http';
import { forwardedClient, isLivePath, originAllowed, type TrustProxyFn } from './upgrade-policy';

const upgradeFrom = (remoteAddress: string, headers: Record<string, string>) =>
  ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;

describe('live API upgrade policy', () => {
  it('serves /ws only', () => {
    expect([isLivePath('/ws'), isLivePath('/ws?x=1'), isLivePath('/ws/'), isLivePath('/wss'), isLivePath('/')]).toEqual(
      [true, true, false, false, false],
    );
  });

  it("takes a cookie from the gateway's own origin or a configured one, never from another or none", () => {
    const allowed = ['https://console.example.com'];
    expect(originAllowed('http://gw.local:8080', 'gw.local:8080', allowed)).toBe(true);
    expect(originAllowed('https://gw.example.com', 'gw.example.com', allowed)).toBe(true);
    expect(originAllowed('https://console.example.com', 'gw.example.com', allowed)).toBe(true);
    expect(originAllowed('https://evil.example.com', 'gw.example.com', allowed)).toBe(false);
    expect(originAllowed('https://gw.example.com.evil.com', 'gw.example.com', allowed)).toBe(false);
    expect(originAllowed('http://gw.local:8081', 'gw.local:8080', allowed)).toBe(false);
    expect(originAllowed('null', 'gw.local', allowed)).toBe(false);
    expect(originAllowed(undefined, 'gw.local', allowed)).toBe(false);
    expect(originAllowed('file://gw.local', 'gw.local', allowed)).toBe(false);
    expect(originAllowed('http://gw.local', 'bad host/x', [])).toBe(false);
  });
});

describe('the client of an upgrade behind proxies (VIGIL_TRUST_PROXY)', () => {
  const none: TrustProxyFn = () => false;
  const loopback: TrustProxyFn = (a) => a === '127.0.0.1' || a === '::1';
  const oneHop: TrustProxyFn = (_a, hop) => hop < 1;
  const forwarded = {
    'x-forwarded-for': '198.51.100.1, 10.0.0.5, 203.0.113.9',
    'x-forwarded-host': 'vigil.example.com',
  };

  it('ignores forwarded headers unless the connecting peer is a trusted proxy', () => {
    expect(forwardedClient(upgradeFrom('127.0.0.1', { host: 'gw:8080', ...forwarded }), none)).toEqual({
      address: '127.0.0.1',
      host: 'gw:8080',
    });
    expect(forwardedClient(upgradeFrom('192.0.2.4', { host: 'gw:8080', ...forwarded }), loopback)).toEqual({
      address: '192.0.2.4',
      host: 'gw:8080',
    });
  });

  it('walks X-Forwarded-For from the nearest hop while each is trusted, as express does for req.ip', () => {
    // loopback trusts 127.0.0.1 only: the entry it forwarded for is the client, the rest could be forged.
    expect(forwardedClient(upgradeFrom('127.0.0.1', { host: 'gw:8080', ...forwarded }), loopback)).toEqual({
      address: '203.0.113.9',
      host: 'vigil.example.com',
    });
    expect(forwardedClient(upgradeFrom('192.0.2.4', forwarded), oneHop).address).toBe('203.0.113.9');
    const all: TrustProxyFn = () => true;
    expect(forwardedClient(upgradeFrom('127.0.0.1', forwarded), all).address).toBe('198.51.100.1');
    expect(forwardedClient(upgradeFrom('127.0.0.1', { 'x-forwarded-for': ' , ' }), all).address).toBe('127.0.0.1');
  });

  it('takes the first X-Forwarded-Host of a trusted proxy, and Host without one', () => {
    const twoHosts = { host: 'gw:8080', 'x-forwarded-host': 'a.example.com, b.example.com' };
    expect(forwardedClient(upgradeFrom('127.0.0.1', twoHosts), loopback).host).toBe('a.example.com');
    expect(forwardedClient(upgradeFrom('127.0.0.1', { host: 'gw:8080' }), loopback).host).toBe('gw:8080');
    expect(forwardedClient(upgradeFrom('127.0.0.1', {}), loopback).host).toBeUndefined();
  });
});

describe('FrameRate', () => {
  it('lets a burst of twice the rate through, then the rate', () => {
    const rate = new FrameRate(10, 20, 0);
    const burst = Array.from({ length: 25 }, () => rate.take(0)).filter(Boolean).length;
    expect(burst).toBe(20);
    expect(rate.take(50)).toBe(false);
    expect(rate.take(100)).toBe(true);
    expect(rate.take(100)).toBe(false);
    expect(Array.from({ length: 30 }, () => rate.take(10_000)).filter(Boolean).length).toBe(20);
  });
});
