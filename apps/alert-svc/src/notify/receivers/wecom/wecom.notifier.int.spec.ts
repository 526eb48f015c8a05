import { WecomReceiverConfig } from '@vigil/contracts';
import { CaptureServer } from '../testing/capture-server';
import { testDeps } from '../testing/log-capture';
import { describeNoSecretLeak } from '../testing/no-secret-leak';
import { describeRetryTable } from '../testing/retry-table';
import {
  firingAlert,
  hostileAlert,
  manyAlerts,
  markdownLinks,
  notificationOf,
  resolvedAlert,
} from '../testing/sample-notifications';
import { WECOM_MARKDOWN_MAX_BYTES } from './wecom.markdown';
import { WecomNotifier } from './wecom.notifier';

const KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
const OK = JSON.stringify({ errcode: 0, errmsg: 'ok' });

function wecom(url: string, extra: Record<string, unknown> = {}) {
  return WecomReceiverConfig.parse({ type: 'wecom', key: KEY, url, ...extra });
}

type Sent = { msgtype: string; markdown: { content: string } };

describe('WecomNotifier', () => {
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
    const result = await new WecomNotifier(wecom(server.url('/cgi-bin/webhook/send'), extra), testDeps({ env })).notify(
      n,
      signal,
    );
    return { result, sent: server.requests.length ? (JSON.parse(server.last.body) as Sent) : undefined };
  };

  it('posts the markdown message with the key in the query', async () => {
    const { result, sent } = await send();
    expect(result).toEqual({ ok: true, retry: false, status: 200 });
    expect(server.last.method).toBe('POST');
    expect(server.last.path).toBe('/cgi-bin/webhook/send');
    expect(server.last.query.get('key')).toBe(KEY);
    expect(server.last.headers['content-type']).toBe('application/json');
    expect(sent).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: [
          '## <font color="warning">[FIRING:1] HighCpu (critical)</font>',
          '',
          '**HighCpu** · <font color="warning">firing</font> · severity: critical · node: web-01',
          '> CPU above 90% on web-01',
          '> CPU usage has been above 90% for 5 minutes.',
          '> value: 97.5',
          '> started: 2026-03-01 10:00:00 UTC',
          '',
          '[Open in Vigil](https://vigil.example.com/alerts/HighCpu)',
        ].join('\n'),
      },
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
    const content = sent?.markdown.content ?? '';
    expect(markdownLinks(content)).toEqual(['[Open in Vigil](https://vigil.example.com/alerts/HighCpu)']);
    expect(content.split('\n')).toEqual([
      '## <font color="warning">[FIRING:1] Disk\\[x\\]\\(https:\\/\\/evil.example/a\\) (\\*crit\\*)</font>',
      '',
      '**Disk\\[x\\]\\(https:\\/\\/evil.example/a\\)** · <font color="warning">firing</font> · severity: \\*crit\\* · node: web-01&lt;font color="red"&gt;',
      '> \\[x\\]\\(https:\\/\\/evil.example/b\\) \\*\\*bold\\*\\* \\_it\\_ \\`code\\` &lt;https:\\/\\/evil.example/c\\|click&gt; &lt;\\!channel&gt;',
      '> see https:\\/\\/evil.example/d \\#\\# owned &gt; \\[Open in Vigil\\]\\(https:\\/\\/evil.example/e\\) &amp; more',
      '> value: 97.5',
      '> started: 2026-03-01 10:00:00 UTC',
      '',
      '[Open in Vigil](https://vigil.example.com/alerts/HighCpu)',
    ]);
    expect(content).not.toContain('<font color="red">');
    const after = await send();
    expect(after.result.ok).toBe(true);
    expect(after.sent?.markdown.content).toContain('**HighCpu** · <font color="warning">firing</font>');
  });

  it('renders resolved alerts with their end time, and no link without externalUrl', async () => {
    const { sent } = await send(notificationOf([resolvedAlert()], { externalUrl: undefined }));
    expect(sent?.markdown.content).toBe(
      [
        '## <font color="info">[RESOLVED] HighCpu (critical)</font>',
        '',
        '**HighCpu** · <font color="info">resolved</font> · severity: critical · node: web-01',
        '> CPU above 90% on web-01',
        '> CPU usage has been above 90% for 5 minutes.',
        '> value: 97.5',
        '> started: 2026-03-01 10:00:00 UTC',
        '> ended: 2026-03-01 10:20:00 UTC',
      ].join('\n'),
    );
  });

  it('lists at most maxAlerts alerts and says how many more', async () => {
    const { sent } = await send(notificationOf(manyAlerts(15)), { maxAlerts: 10 });
    const content = sent?.markdown.content ?? '';
    expect(content).toContain('[FIRING:15] HighCpu');
    expect(content).toContain('node: web-10');
    expect(content).not.toContain('node: web-11');
    expect(content).toContain('…and 5 more alerts');
  });

  it('cuts content to 4,096 UTF-8 bytes on a character boundary and keeps the link', async () => {
    const long = '磁盘空间不足🔥'.repeat(400);
    const { result, sent } = await send(
      notificationOf([firingAlert({ annotations: { summary: 'disk', description: long } })]),
    );
    expect(result.ok).toBe(true);
    const content = sent?.markdown.content ?? '';
    const bytes = Buffer.byteLength(content, 'utf8');
    expect(bytes).toBeLessThanOrEqual(WECOM_MARKDOWN_MAX_BYTES);
    expect(bytes).toBeGreaterThan(WECOM_MARKDOWN_MAX_BYTES - 8);
    expect(content).not.toContain('\uFFFD');
    expect(content).toContain('…(truncated)');
    expect(content.endsWith('[Open in Vigil](https://vigil.example.com/alerts/HighCpu)')).toBe(true);
  });

  it('reads the key from the environment at send time', async () => {
    await send(undefined, { key: { env: 'WECOM_KEY' } }, { WECOM_KEY: 'key-from-env-1' });
    expect(server.last.query.get('key')).toBe('key-from-env-1');
  });

  it('fails without retry, naming the variable, when the key variable is missing', async () => {
    const { result } = await send(undefined, { key: { env: 'WECOM_KEY' } }, {});
    expect(result).toMatchObject({
      ok: false,
      retry: false,
      error: expect.stringContaining('key: environment variable WECOM_KEY is not set'),
    });
    expect(server.requests).toHaveLength(0);
  });

  it.each([45009, 45033])('retries frequency limit errcode %i after a minute', async (errcode) => {
    server.reply({ status: 200, body: JSON.stringify({ errcode, errmsg: 'api freq out of limit' }) });
    const { result } = await send();
    expect(result).toEqual({
      ok: false,
      retry: true,
      status: 200,
      retryAfterMs: 60_000,
      error: expect.stringContaining(`errcode ${errcode}: api freq out of limit`),
    });
  });

  it('retries errcode -1 (system busy) without a wait of its own', async () => {
    server.reply({ status: 200, body: JSON.stringify({ errcode: -1, errmsg: 'system busy' }) });
    const { result } = await send();
    expect(result).toMatchObject({ ok: false, retry: true });
    expect(result.retryAfterMs).toBeUndefined();
  });

  it.each([93000, 40008, 44004])('does not retry errcode %i', async (errcode) => {
    server.reply({ status: 200, body: JSON.stringify({ errcode, errmsg: 'invalid webhook url' }) });
    const { result } = await send();
    expect(result).toMatchObject({
      ok: false,
      retry: false,
      status: 200,
      error: expect.stringContaining(`errcode ${errcode}`),
    });
  });

  it('shows the URL with the key masked in errors', async () => {
    server.reply({ status: 200, body: JSON.stringify({ errcode: 93000, errmsg: 'invalid webhook url' }) });
    const { result } = await send();
    expect(result.error).toBe(`wecom ${server.url('')}: errcode 93000: invalid webhook url`);
  });
});

describeRetryTable({
  receiver: 'wecom',
  path: '/cgi-bin/webhook/send',
  successBody: OK,
  notifier: (url, deps) => new WecomNotifier(wecom(url), deps),
  // A 204 cannot carry the robot's errcode: someone else answered, so it is retried.
  expect: (row) => (row.status === 204 ? { ...row, ok: false, retry: true } : row),
});

describeNoSecretLeak({
  receiver: 'wecom',
  secrets: [KEY],
  path: '/cgi-bin/webhook/send',
  notifier: (url, deps, timeoutMs) => new WecomNotifier(wecom(url, { timeoutMs }), deps),
  providerErrors: [
    {
      name: '93000',
      reply: (echo) => ({
        status: 200,
        body: JSON.stringify({ errcode: 93000, errmsg: `invalid webhook url, hint: ${echo}` }),
      }),
    },
    {
      name: '45009',
      reply: (echo) => ({
        status: 200,
        body: JSON.stringify({ errcode: 45009, errmsg: `api freq out of limit, ${echo}` }),
      }),
    },
    { name: 'not JSON', reply: (echo) => ({ status: 200, body: `<html>${echo}</html>` }) },
  ],
});
