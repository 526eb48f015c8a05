import { ValidationError } from '@vigil/contracts';
import { displayUrl } from './display-url';
import { SecretBag } from './secret-bag';

describe('SecretBag', () => {
  it('resolves literal and env secrets and scrubs them in every encoding', () => {
    const bag = new SecretBag({ TOKEN: 'a+b/c=d&e' });
    expect(bag.resolve('literal-key-1', 'key')).toBe('literal-key-1');
    expect(bag.resolve({ env: 'TOKEN' }, 'accessToken')).toBe('a+b/c=d&e');
    expect(bag.scrub('k=literal-key-1 raw=a+b/c=d&e url=a%2Bb%2Fc%3Dd%26e form=a%2Bb%2Fc%3Dd%26e')).toBe(
      'k=[REDACTED] raw=[REDACTED] url=[REDACTED] form=[REDACTED]',
    );
  });

  it('names the field and the variable, never a value, when the variable is missing or empty', () => {
    const bag = new SecretBag({ EMPTY: '' });
    expect(() => bag.resolve({ env: 'WECOM_KEY' }, 'key')).toThrow(
      new ValidationError('key: environment variable WECOM_KEY is not set'),
    );
    expect(() => bag.resolve({ env: 'EMPTY' }, 'auth.password')).toThrow(
      'auth.password: environment variable EMPTY is not set',
    );
  });

  it('scrubs the credentials of a configured URL', () => {
    const bag = new SecretBag({});
    bag.addUrlCredentials('https://user:p%40ss@host/hook?token=t0ken-1&team=ops-team');
    expect(bag.scrub('user p@ss t0ken-1 ops-team')).toBe('[REDACTED] [REDACTED] [REDACTED] [REDACTED]');
  });
});

describe('displayUrl', () => {
  it.each([
    ['https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc', 'https://qyapi.weixin.qq.com'],
    ['https://u:p@host:8443/a/b?x=1&y=2&x=3', 'https://host:8443'],
    ['https://hooks.slack.com/services/T0/B0/XyZ', 'https://hooks.slack.com'],
    ['https://hooks.example.com/hooks/tok-3f9a1c77e2', 'https://hooks.example.com'],
    ['http://127.0.0.1:9093', 'http://127.0.0.1:9093'],
    ['not a url', '[REDACTED]'],
  ])('%s -> %s (scheme and host only)', (url, shown) => {
    expect(displayUrl(url)).toBe(shown);
  });
});

describe('SecretBag and URL paths', () => {
  it('scrubs the path of a configured URL and its token-long segments, not short words', () => {
    const bag = new SecretBag({});
    bag.addUrlCredentials('https://hooks.example.com/hooks/tok-3f9a1c77e2/x?team=ops');
    expect(bag.scrub('Cannot POST /hooks/tok-3f9a1c77e2/x')).toBe('Cannot POST [REDACTED]');
    expect(bag.scrub('unknown hook tok-3f9a1c77e2 (hooks)')).toBe('unknown hook [REDACTED] (hooks)');
  });
});
