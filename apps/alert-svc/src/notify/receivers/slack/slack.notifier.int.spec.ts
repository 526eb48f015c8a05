import { SlackReceiverConfig } from '@vigil/contracts';
import { CaptureServer } from '../testing/capture-server';
import { testDeps } from '../testing/log-capture';
import { describeNoSecretLeak } from '../testing/no-secret-leak';
import { describeRetryTable } from '../testing/retry-table';
import { firingAlert, hostileAlert, manyAlerts, notificationOf, resolvedAlert } from '../testing/sample-notifications';
import { SLACK_HEADER_MAX_CHARS, SLACK_MAX_BLOCKS, SLACK_SECTION_MAX_CHARS, type SlackMessage } from './slack.blocks';
import { SlackNotifier } from './slack.notifier';

const HOOK_PATH = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

function slack(webhookUrl: unknown, extra: Record<string, unknown> = {}) {
  return SlackReceiverConfig.parse({ type: 'slack', webhookUrl, ...extra });
}

describe('SlackNotifier', () => {
  let server: CaptureServer;
  beforeAll(async () => {
    server = await CaptureServer.start();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    server.reply({ status: 200, body: 'ok' });
  });
  const signal = new AbortController().signal;
  const send = async (n = notificationOf([firingAlert()]), extra: Record<string, unknown> = {}) => {
    const result = await new SlackNotifier(slack(server.url(HOOK_PATH), extra), testDeps()).notify(n, signal);
    return { result, sent: server.requests.length ? (JSON.parse(server.last.body) as SlackMessage) : undefined };
  };

  it('posts header and section blocks with a text fallback', async () => {
    const { result, sent } = await send();
    expect(result).toEqual({ ok: true, retry: false, status: 200 });
    expect(server.last.path).toBe(HOOK_PATH);
    expect(server.last.headers['content-type']).toBe('application/json');
    expect(sent).toEqual({
      text: '[FIRING:1] HighCpu (critical)',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '[FIRING:1] HighCpu (critical)', emoji: true } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: [
              '*HighCpu* · :red_circle: firing · severity: critical · node: web-01',
              'CPU above 90% on web-01',
              'CPU usage has been above 90% for 5 minutes.',
              'value: 97.5 · started: 2026-03-01 10:00:00 UTC',
            ].join('\n'),
            verbatim: true,
          },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '<https://vigil.example.com/alerts/HighCpu|Open in Vigil>', verbatim: true },
        },
      ],
    });
  });

  it('renders resolved alerts with their end time and escapes mrkdwn', async () => {
    const { sent } = await send(
      notificationOf([resolvedAlert({ annotations: { summary: 'disk <80% & falling' } })], { externalUrl: undefined }),
    );
    expect(sent?.blocks).toHaveLength(2);
    expect(sent?.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          '*HighCpu* · :large_green_circle: resolved · severity: critical · node: web-01',
          'disk &lt;80% &amp; falling',
          'value: 97.5 · started: 2026-03-01 10:00:00 UTC · ended: 2026-03-01 10:20:00 UTC',
        ].join('\n'),
        verbatim: true,
      },
    });
  });

  it('escapes mrkdwn in every label and annotation: no link, mention or formatting of theirs; then a normal alert still goes out', async () => {
    const { result, sent } = await send(
      notificationOf([hostileAlert()], {
        groupLabels: { alertname: 'Disk[x](https://evil.example/a)' },
        commonLabels: { alertname: 'Disk[x](https://evil.example/a)', severity: '*crit*' },
      }),
    );
    expect(result.ok).toBe(true);
    const z = '\u200b';
    expect(sent?.text).toBe(`[FIRING:1] Disk[x](https://evil.example/a) (${z}*${z}crit${z}*${z})`);
    expect(sent?.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        verbatim: true,
        text: [
          `*Disk[x](https://evil.example/a)* · :red_circle: firing · severity: ${z}*${z}crit${z}*${z} · node: web-01&lt;font color="red"&gt;`,
          `[x](https://evil.example/b) ${z}*${z}${z}*${z}bold${z}*${z}${z}*${z} ${z}_${z}it${z}_${z} ${z}\`${z}code${z}\`${z} &lt;https://evil.example/c|click&gt; &lt;!channel&gt;`,
          'see https://evil.example/d',
          '## owned',
          `${z}&gt; [Open in Vigil](https://evil.example/e) &amp; more`,
          'value: 97.5 · started: 2026-03-01 10:00:00 UTC',
        ].join('\n'),
      },
    });
    // Slack's link syntax <url|label> appears once: Vigil's own.
    expect(JSON.stringify(sent).match(/<http[^>]*\|/g)).toEqual(['<https://vigil.example.com/alerts/HighCpu|']);
    const after = await send();
    expect(after.result.ok).toBe(true);
    expect(JSON.stringify(after.sent)).toContain('*HighCpu* · :red_circle: firing');
  });

  it('keeps header, section text and block count within Slack limits', async () => {
    const long = 'x'.repeat(5000);
    const alerts = manyAlerts(120).map((a, i) => (i === 0 ? { ...a, annotations: { summary: long } } : a));
    const { sent } = await send(notificationOf(alerts, { groupLabels: { alertname: 'A'.repeat(300) } }), {
      maxAlerts: 100,
    });
    const blocks = sent?.blocks ?? [];
    expect(blocks.length).toBe(SLACK_MAX_BLOCKS);
    const header = blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(SLACK_HEADER_MAX_CHARS);
    for (const b of blocks.slice(1)) {
      if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_SECTION_MAX_CHARS);
    }
    expect(blocks.at(-2)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '…and 73 more alerts', verbatim: true }],
    });
  });

  it('lists at most maxAlerts alerts and says how many more', async () => {
    const { sent } = await send(notificationOf(manyAlerts(12)), { maxAlerts: 10 });
    expect(sent?.blocks.filter((b) => b.type === 'section')).toHaveLength(11);
    expect(JSON.stringify(sent)).toContain('…and 2 more alerts');
  });

  it('reads the webhook URL from the environment; a missing variable fails without retry', async () => {
    const env = { SLACK_URL: server.url(HOOK_PATH) };
    const ok = await new SlackNotifier(slack({ env: 'SLACK_URL' }), testDeps({ env })).notify(
      notificationOf([firingAlert()]),
      signal,
    );
    expect(ok.ok).toBe(true);
    const missing = await new SlackNotifier(slack({ env: 'SLACK_URL' }), testDeps({ env: {} })).notify(
      notificationOf([firingAlert()]),
      signal,
    );
    expect(missing).toMatchObject({
      ok: false,
      retry: false,
      error: expect.stringContaining('webhookUrl: environment variable SLACK_URL is not set'),
    });
    const notUrl = await new SlackNotifier(
      slack({ env: 'SLACK_URL' }),
      testDeps({ env: { SLACK_URL: 'not-a-url-s3cret' } }),
    ).notify(notificationOf([firingAlert()]), signal);
    expect(notUrl).toMatchObject({
      ok: false,
      retry: false,
      error: expect.stringContaining('webhookUrl: is not an http(s) URL'),
    });
    expect(notUrl.error).not.toContain('s3cret');
  });

  it("answers Slack's errors: 404 no_service not retried, 429 retried after Retry-After", async () => {
    server.reply({ status: 404, body: 'no_service' });
    expect((await send()).result).toEqual({
      ok: false,
      retry: false,
      status: 404,
      error: `slack ${server.url('')}: HTTP 404: no_service`,
    });
    server.reply({ status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' });
    expect((await send()).result).toMatchObject({ ok: false, retry: true, status: 429, retryAfterMs: 30_000 });
  });
});

describeRetryTable({
  receiver: 'slack',
  path: HOOK_PATH,
  successBody: 'ok',
  notifier: (url, deps) => new SlackNotifier(slack(url), deps),
});

describeNoSecretLeak({
  receiver: 'slack',
  secrets: ['XXXXXXXXXXXXXXXXXXXXXXXX', HOOK_PATH],
  path: HOOK_PATH,
  notifier: (url, deps, timeoutMs) => new SlackNotifier(slack(url, { timeoutMs }), deps),
});
