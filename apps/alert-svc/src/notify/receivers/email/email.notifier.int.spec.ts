import { EmailReceiverConfig } from '@vigil/contracts';
import { CaptureSmtpServer, silentTcpServer } from '../testing/capture-smtp-server';
import { refusedUrl } from '../testing/capture-server';
import { testDeps } from '../testing/log-capture';
import { collectEvidence, expectNoSecretIn } from '../testing/no-secret-leak';
import { firingAlert, hostileAlert, manyAlerts, notificationOf, resolvedAlert } from '../testing/sample-notifications';
import { EmailNotifier } from './email.notifier';

const PASSWORD = 'smtp-Pa55word-Zq9';
const USER = 'vigil-alerts';

describe('EmailNotifier against a real SMTP server', () => {
  let smtp: CaptureSmtpServer;
  beforeAll(async () => {
    smtp = await CaptureSmtpServer.start({ username: USER, password: PASSWORD });
  });
  afterAll(() => smtp.close());
  beforeEach(() => {
    smtp.mails.length = 0;
    smtp.refuseRcpt = undefined;
    smtp.refuseAuth = undefined;
  });
  const signal = new AbortController().signal;

  const email = (extra: Record<string, unknown> = {}) =>
    EmailReceiverConfig.parse({
      type: 'email',
      to: ['ops@example.com', 'oncall@example.com'],
      from: 'vigil@example.com',
      host: '127.0.0.1',
      port: smtp.port,
      tls: 'none',
      auth: { username: USER, password: PASSWORD },
      ...extra,
    });
  const send = (
    n = notificationOf([firingAlert()]),
    extra: Record<string, unknown> = {},
    env: Record<string, string> = {},
  ) => new EmailNotifier(email(extra), testDeps({ env })).notify(n, signal);

  it('sends subject, from/to, text and HTML parts, logged in with the password', async () => {
    const n = notificationOf([firingAlert()]);
    const result = await send(n);
    expect(result).toEqual({ ok: true, retry: false, status: 250 });
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail.user).toBe(USER);
    expect(mail.envelope).toEqual({ from: 'vigil@example.com', to: ['ops@example.com', 'oncall@example.com'] });
    expect(mail.from).toEqual(['vigil@example.com']);
    expect(mail.to).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(mail.parsed.subject).toBe('[Vigil] [FIRING:1] HighCpu (critical)');
    expect(mail.parsed.messageId).toBe(`<${n.id}@example.com>`);
    expect(mail.parsed.headers.get('x-vigil-notification-id')).toBe(n.id);
    expect(mail.parsed.text?.trim()).toBe(
      [
        '[FIRING:1] HighCpu (critical)',
        '',
        'alert: HighCpu',
        'status: firing',
        'severity: critical',
        'node: web-01',
        'summary: CPU above 90% on web-01',
        'description: CPU usage has been above 90% for 5 minutes.',
        'value: 97.5',
        'started: 2026-03-01 10:00:00 UTC',
        '',
        'Open in Vigil: https://vigil.example.com/alerts/HighCpu',
      ].join('\n'),
    );
    const html = String(mail.parsed.html);
    expect(html).toContain('<h2 style="color:#c0392b">[FIRING:1] HighCpu (critical)</h2>');
    expect(html).toContain('<tr><th align="left">node</th><td>web-01</td></tr>');
    expect(html).toContain('<a href="https://vigil.example.com/alerts/HighCpu">Open in Vigil</a>');
  });

  it('renders resolved alerts with their end time, escapes HTML and caps the list', async () => {
    await send(notificationOf([resolvedAlert({ annotations: { summary: '<b>disk</b> & co' } })]));
    const resolved = smtp.mails[0].parsed;
    expect(resolved.subject).toBe('[Vigil] [RESOLVED] HighCpu (critical)');
    expect(resolved.text).toContain('ended: 2026-03-01 10:20:00 UTC');
    expect(String(resolved.html)).toContain('&lt;b&gt;disk&lt;/b&gt; &amp; co');
    await send(notificationOf(manyAlerts(14)), { maxAlerts: 4 });
    expect(smtp.mails[1].parsed.text).toContain('…and 10 more alerts');
    expect(smtp.mails[1].parsed.text).not.toContain('web-05');
  });

  it("entity-escapes every label and annotation in the HTML part: the only link is Vigil's own; then a normal alert still goes out", async () => {
    expect(
      (
        await send(
          notificationOf([hostileAlert()], {
            groupLabels: { alertname: 'Disk[x](https://evil.example/a)' },
            commonLabels: { alertname: 'Disk[x](https://evil.example/a)', severity: '*crit*' },
          }),
        )
      ).ok,
    ).toBe(true);
    const html = String(smtp.mails[0].parsed.html);
    expect([...html.matchAll(/<a\s[^>]*>/g)].map((m) => m[0])).toEqual([
      '<a href="https://vigil.example.com/alerts/HighCpu">',
    ]);
    expect(html).not.toContain('<font');
    expect(html).toContain('<tr><th align="left">node</th><td>web-01&lt;font color=&quot;red&quot;&gt;</td></tr>');
    expect(html).toContain('&lt;https://evil.example/c|click&gt; &lt;!channel&gt;');
    expect((await send()).ok).toBe(true);
    expect(String(smtp.mails[1].parsed.html)).toContain('<tr><th align="left">node</th><td>web-01</td></tr>');
  });

  it('reads the password from the environment; a missing variable fails without retry', async () => {
    expect(
      (await send(undefined, { auth: { username: USER, password: { env: 'SMTP_PASS' } } }, { SMTP_PASS: PASSWORD })).ok,
    ).toBe(true);
    const missing = await send(undefined, { auth: { username: USER, password: { env: 'SMTP_PASS' } } }, {});
    expect(missing).toMatchObject({
      ok: false,
      retry: false,
      error: expect.stringContaining('auth.password: environment variable SMTP_PASS is not set'),
    });
  });

  it('retries a 4xx reply and not a 5xx one', async () => {
    smtp.refuseRcpt = { code: 451, message: 'mailbox busy, try later' };
    expect(await send()).toMatchObject({ ok: false, retry: true, status: 451, error: expect.stringContaining('451') });
    smtp.refuseRcpt = { code: 550, message: 'no such user' };
    expect(await send()).toMatchObject({
      ok: false,
      retry: false,
      status: 550,
      error: expect.stringContaining('no such user'),
    });
  });

  it('does not retry a refused login', async () => {
    expect(await send(undefined, { auth: { username: USER, password: 'wrong-password' } })).toMatchObject({
      ok: false,
      retry: false,
      status: 535,
    });
  });

  it('refuses to log in without TLS when STARTTLS is required', async () => {
    const result = await send(undefined, { tls: 'starttls' });
    expect(result).toMatchObject({ ok: false, retry: false });
    expect(smtp.mails).toHaveLength(0);
  });

  describe('no secret leaks', () => {
    const leaks = (config: Record<string, unknown>, signalOf: () => AbortSignal = () => new AbortController().signal) =>
      collectEvidence((deps) =>
        new EmailNotifier(email(config), deps).notify(notificationOf([firingAlert()]), signalOf()),
      );

    it('connection refused', async () => {
      const port = Number(new URL(await refusedUrl()).port);
      const evidence = await leaks({ port });
      expect(evidence.result?.retry).toBe(true);
      expectNoSecretIn(evidence, [PASSWORD]);
    });

    it('no greeting before the timeout', async () => {
      const silent = await silentTcpServer();
      try {
        const started = Date.now();
        const evidence = await leaks({ port: silent.port, timeoutMs: 300 });
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(evidence.result).toMatchObject({ retry: true });
        expectNoSecretIn(evidence, [PASSWORD]);
      } finally {
        await silent.close();
      }
    });

    it('cancelled by the pipeline', async () => {
      const silent = await silentTcpServer();
      try {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const evidence = await leaks({ port: silent.port }, () => controller.signal);
        expect(evidence.result).toMatchObject({ retry: true, error: expect.stringContaining('cancelled') });
        expectNoSecretIn(evidence, [PASSWORD]);
      } finally {
        await silent.close();
      }
    });

    it('a login refusal that quotes the password', async () => {
      smtp.refuseAuth = (password) => `Invalid password ${password}`;
      expectNoSecretIn(await leaks({}), [PASSWORD]);
    });

    it.each([
      [451, 'try later'],
      [550, 'refused'],
    ])('SMTP %i', async (code, message) => {
      smtp.refuseRcpt = { code, message: `${message} (you said ${PASSWORD})` };
      expectNoSecretIn(await leaks({}), [PASSWORD]);
    });
  });
});
