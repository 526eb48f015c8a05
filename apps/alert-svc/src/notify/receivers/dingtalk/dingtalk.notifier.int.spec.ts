import { execFileSync } from 'node:child_process';
import { DingtalkReceiverConfig } from '@vigil/contracts';
import { CaptureServer } from '../testing/capture-server';
import { testDeps } from '../testing/log-capture';
import { describeNoSecretLeak } from '../testing/no-secret-leak';
import { describeRetryTable, FIXED_NOW } from '../testing/retry-table';
import {
  firingAlert,
  hostileAlert,
  manyAlerts,
  markdownLinks,
  notificationOf,
  resolvedAlert,
} from '../testing/sample-notifications';
import { DingtalkNotifier } from './dingtalk.notifier';

const TOKEN = 'e9a8118c8a3dc0f1d2token0685fab41df25b9dc865fd74';
const SECRET = 'SEC10d6e79b42bd94be0d0d603843651aa2ccd7186db6edbc3f1cf421cd';
const OK = JSON.stringify({ errcode: 0, errmsg: 'ok' });

function dingtalk(url: string, extra: Record<string, unknown> = {}) {
  return DingtalkReceiverConfig.parse({ type: 'dingtalk', accessToken: TOKEN, url, ...extra });
}

/** The query's `sign` as DingTalk's own Python sample computes it (quote_plus of the Base64 HMAC). */
function pythonSign(secret: string, timestamp: string): string {
  const script = [
    'import base64, hashlib, hmac, sys, urllib.parse',
    'ts, secret = sys.argv[1], sys.argv[2]',
    "code = hmac.new(secret.encode('utf-8'), '{}\\n{}'.format(ts, secret).encode('utf-8'), digestmod=hashlib.sha256).digest()",
    'print(urllib.parse.quote_plus(base64.b64encode(code)))',
  ].join('\n');
  return execFileSync('python3', ['-c', script, timestamp, secret]).toString().trim();
}

/** The raw (still encoded) value of one query parameter, as it went over the wire. */
function rawParam(rawUrl: string, name: string): string | undefined {
  return rawUrl
    .split('?')[1]
    ?.split('&')
    .find((p) => p.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

type Sent = { msgtype: string; markdown: { title: string; text: string }; at: Record<string, unknown> };

describe('DingtalkNotifier', () => {
  let server: CaptureServer;
  beforeAll(async () => {
    server = await CaptureServer.start();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    server.reply({ status: 200, headers: { 'content-type': 'application/json' }, body: OK });
  });
  const signal = new AbortController().signal;
  const send = async (
    n = notificationOf([firingAlert()]),
    extra: Record<string, unknown> = {},
    env: Record<string, string> = {},
  ) => {
    const notifier = new DingtalkNotifier(
      dingtalk(server.url('/robot/send'), extra),
      testDeps({ env, now: FIXED_NOW }),
    );
    const result = await notifier.notify(n, signal);
    return { result, sent: server.requests.length ? (JSON.parse(server.last.body) as Sent) : undefined };
  };

  it('posts the markdown message with title, text and at', async () => {
    const { result, sent } = await send();
    expect(result).toEqual({ ok: true, retry: false, status: 200 });
    expect(server.last.path).toBe('/robot/send');
    expect(server.last.query.get('access_token')).toBe(TOKEN);
    expect(server.last.query.has('timestamp')).toBe(false);
    expect(server.last.query.has('sign')).toBe(false);
    expect(sent).toEqual({
      msgtype: 'markdown',
      markdown: {
        title: '[FIRING:1] HighCpu (critical)',
        text: [
          '### [FIRING:1] HighCpu (critical)',
          '**HighCpu** · FIRING · severity: critical · node: web-01',
          '> CPU above 90% on web-01',
          '> CPU usage has been above 90% for 5 minutes.',
          '> value: 97.5',
          '> started: 2026-03-01 10:00:00 UTC',
          '[Open in Vigil](https://vigil.example.com/alerts/HighCpu)',
        ].join('\n\n'),
      },
      at: { atMobiles: [], atUserIds: [], isAtAll: false },
    });
  });

  it("escapes markdown in every label and annotation: the only link is Vigil's own; then a normal alert still goes out", async () => {
    const { result, sent } = await send(
      notificationOf([hostileAlert()], {
        groupLabels: { alertname: 'Disk[x](https://evil.example/a)' },
        commonLabels: { alertname: 'Disk[x](https://evil.example/a)', severity: '*crit*' },
      }),
    );
    expect(result.ok).toBe(true);
    const text = sent?.markdown.text ?? '';
    expect(markdownLinks(text)).toEqual(['[Open in Vigil](https://vigil.example.com/alerts/HighCpu)']);
    expect(text).toContain('### [FIRING:1] Disk\\[x\\]\\(https:\\/\\/evil.example/a\\) (\\*crit\\*)');
    expect(text).toContain(
      '> see https:\\/\\/evil.example/d \\#\\# owned &gt; \\[Open in Vigil\\]\\(https:\\/\\/evil.example/e\\) &amp; more',
    );
    expect(text).toContain('node: web-01&lt;font color="red"&gt;');
    // The chat list shows the title as plain text: left as it is.
    expect(sent?.markdown.title).toBe('[FIRING:1] Disk[x](https://evil.example/a) (*crit*)');
    const after = await send();
    expect(after.result.ok).toBe(true);
    expect(after.sent?.markdown.text).toContain('**HighCpu** · FIRING');
  });

  it('signs with timestamp and sign when a secret is set (checked against Python)', async () => {
    await send(undefined, { secret: SECRET });
    const { rawUrl, query } = server.last;
    expect(query.get('timestamp')).toBe(String(FIXED_NOW));
    expect(rawParam(rawUrl, 'sign')).toBe(pythonSign(SECRET, String(FIXED_NOW)));
    expect(rawParam(rawUrl, 'sign')).not.toBe(pythonSign(`${SECRET}x`, String(FIXED_NOW)));
  });

  it('reads token and secret from the environment at send time', async () => {
    await send(
      undefined,
      { accessToken: { env: 'DT_TOKEN' }, secret: { env: 'DT_SECRET' } },
      { DT_TOKEN: 'token-from-env', DT_SECRET: 'SECfromenv123' },
    );
    expect(server.last.query.get('access_token')).toBe('token-from-env');
    expect(rawParam(server.last.rawUrl, 'sign')).toBe(pythonSign('SECfromenv123', String(FIXED_NOW)));
  });

  it('fails without retry, naming the variable, when the secret variable is missing', async () => {
    const { result } = await send(undefined, { secret: { env: 'DT_SECRET' } }, {});
    expect(result).toMatchObject({
      ok: false,
      retry: false,
      error: expect.stringContaining('secret: environment variable DT_SECRET is not set'),
    });
    expect(server.requests).toHaveLength(0);
  });

  it('mentions the configured people in at and in the text', async () => {
    const { sent } = await send(undefined, { atMobiles: ['13800000000'], atUserIds: ['manager01'], atAll: true });
    expect(sent?.at).toEqual({ atMobiles: ['13800000000'], atUserIds: ['manager01'], isAtAll: true });
    expect(sent?.markdown.text.endsWith('@13800000000 @manager01')).toBe(true);
  });

  it('renders resolved alerts with their end time and caps the list', async () => {
    const resolved = await send(notificationOf([resolvedAlert()]));
    expect(resolved.sent?.markdown.title).toBe('[RESOLVED] HighCpu (critical)');
    expect(resolved.sent?.markdown.text).toContain('**HighCpu** · RESOLVED');
    expect(resolved.sent?.markdown.text).toContain('> ended: 2026-03-01 10:20:00 UTC');
    const many = await send(notificationOf(manyAlerts(13)), { maxAlerts: 3 });
    expect(many.sent?.markdown.text).toContain('node: web-03');
    expect(many.sent?.markdown.text).not.toContain('node: web-04');
    expect(many.sent?.markdown.text).toContain('…and 10 more alerts');
  });

  it.each([130101, 410100])('retries rate limit errcode %i after a minute', async (errcode) => {
    server.reply({ status: 200, body: JSON.stringify({ errcode, errmsg: 'send too fast' }) });
    const { result } = await send();
    expect(result).toEqual({
      ok: false,
      retry: true,
      status: 200,
      retryAfterMs: 60_000,
      error: expect.stringContaining(`errcode ${errcode}: send too fast`),
    });
  });

  it.each([310000, 300001, 400102])('does not retry errcode %i', async (errcode) => {
    server.reply({ status: 200, body: JSON.stringify({ errcode, errmsg: 'sign not match' }) });
    const { result } = await send();
    expect(result).toMatchObject({ ok: false, retry: false, error: expect.stringContaining(`errcode ${errcode}`) });
  });

  it('shows the URL with the token masked in errors', async () => {
    server.reply({ status: 200, body: JSON.stringify({ errcode: 300001, errmsg: 'token is not exist' }) });
    const { result } = await send();
    expect(result.error).toBe(`dingtalk ${server.url('')}: errcode 300001: token is not exist`);
  });
});

describeRetryTable({
  receiver: 'dingtalk',
  path: '/robot/send',
  successBody: OK,
  notifier: (url, deps) => new DingtalkNotifier(dingtalk(url, { secret: SECRET }), deps),
  expect: (row) => (row.status === 204 ? { ...row, ok: false, retry: true } : row),
});

describeNoSecretLeak({
  receiver: 'dingtalk',
  secrets: [TOKEN, SECRET],
  path: '/robot/send',
  notifier: (url, deps, timeoutMs) => new DingtalkNotifier(dingtalk(url, { secret: SECRET, timeoutMs }), deps),
  derivedSecrets: (rawUrl) => {
    const sign = new URLSearchParams(rawUrl.split('?')[1] ?? '').get('sign');
    return sign ? [sign] : [];
  },
  providerErrors: [
    {
      name: '310000',
      reply: (echo) => ({
        status: 200,
        body: JSON.stringify({ errcode: 310000, errmsg: `sign not match, more: ${echo}` }),
      }),
    },
    {
      name: '130101',
      reply: (echo) => ({ status: 200, body: JSON.stringify({ errcode: 130101, errmsg: `send too fast ${echo}` }) }),
    },
  ],
});
