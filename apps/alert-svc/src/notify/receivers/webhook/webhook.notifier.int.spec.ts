import { execFileSync } from 'node:child_process';
import { WebhookReceiverConfig } from '@vigil/contracts';
import { CaptureServer } from '../testing/capture-server';
import { testDeps } from '../testing/log-capture';
import { describeNoSecretLeak } from '../testing/no-secret-leak';
import { describeRetryTable, FIXED_NOW } from '../testing/retry-table';
import { firingAlert, notificationOf, resolvedAlert } from '../testing/sample-notifications';
import { WebhookNotifier } from './webhook.notifier';

const SECRET = 'whsec-Sup3rS3cretValue';

function webhook(url: string, extra: Record<string, unknown> = {}) {
  return WebhookReceiverConfig.parse({ type: 'webhook', url, ...extra });
}

/** The signature computed by openssl, not by our code. */
function opensslSignature(secret: string, timestamp: string, body: string): string {
  const out = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret], {
    input: `${timestamp}.${body}`,
  }).toString();
  return `sha256=${out.trim().split(/\s+/).at(-1)}`;
}

describe('WebhookNotifier', () => {
  let server: CaptureServer;
  beforeAll(async () => {
    server = await CaptureServer.start();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());
  const signal = new AbortController().signal;

  it('posts the versioned notification JSON with the idempotency key', async () => {
    const n = notificationOf([firingAlert(), resolvedAlert({ fingerprint: 'f2', value: undefined })]);
    const result = await new WebhookNotifier(webhook(server.url('/hook?team=ops')), testDeps()).notify(n, signal);

    expect(result).toEqual({ ok: true, retry: false, status: 200 });
    const req = server.last;
    expect(req.method).toBe('POST');
    expect(req.rawUrl).toBe('/hook?team=ops');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toBe(n.id);
    expect(req.headers['x-vigil-signature']).toBeUndefined();
    expect(req.headers['x-vigil-timestamp']).toBeUndefined();
    expect(JSON.parse(req.body)).toEqual({
      version: '1',
      id: '01956a8e-7c00-7000-8000-000000000001',
      receiver: 'ops',
      status: 'firing',
      groupKey: '{}:{alertname="HighCpu"}',
      groupLabels: { alertname: 'HighCpu' },
      commonLabels: { alertname: 'HighCpu', severity: 'critical' },
      commonAnnotations: {},
      externalUrl: 'https://vigil.example.com/alerts/HighCpu',
      alerts: [
        {
          fingerprint: 'f1a2b3c4d5e6f708',
          status: 'firing',
          labels: { alertname: 'HighCpu', severity: 'critical', node: 'web-01' },
          annotations: {
            summary: 'CPU above 90% on web-01',
            description: 'CPU usage has been above 90% for 5 minutes.',
          },
          startsAt: '2026-03-01T10:00:00.000Z',
          value: 97.5,
        },
        {
          fingerprint: 'f2',
          status: 'resolved',
          labels: { alertname: 'HighCpu', severity: 'critical', node: 'web-01' },
          annotations: {
            summary: 'CPU above 90% on web-01',
            description: 'CPU usage has been above 90% for 5 minutes.',
          },
          startsAt: '2026-03-01T10:00:00.000Z',
          endsAt: '2026-03-01T10:20:00.000Z',
        },
      ],
    });
  });

  it('sends the same idempotency key on every retry of one delivery', async () => {
    server.reply({ status: 503 });
    const notifier = new WebhookNotifier(webhook(server.url('/')), testDeps());
    const n = notificationOf([firingAlert()]);
    await notifier.notify(n, signal);
    await notifier.notify(n, signal);
    expect(server.requests.map((r) => r.headers['idempotency-key'])).toEqual([n.id, n.id]);
  });

  it('signs timestamp.body with HMAC-SHA256 when a secret is set (checked with openssl)', async () => {
    const notifier = new WebhookNotifier(webhook(server.url('/'), { secret: SECRET }), testDeps({ now: FIXED_NOW }));
    await notifier.notify(notificationOf([firingAlert()]), signal);
    const req = server.last;
    expect(req.headers['x-vigil-timestamp']).toBe(String(FIXED_NOW / 1000));
    expect(req.headers['x-vigil-signature']).toBe(opensslSignature(SECRET, String(FIXED_NOW / 1000), req.body));
    expect(req.headers['x-vigil-signature']).not.toBe(
      opensslSignature('other-secret', String(FIXED_NOW / 1000), req.body),
    );
  });

  it('reads a { env } secret at send time', async () => {
    const env: Record<string, string> = { HOOK_SECRET: 'first-secret-value' };
    const notifier = new WebhookNotifier(webhook(server.url('/'), { secret: { env: 'HOOK_SECRET' } }), {
      ...testDeps({ now: FIXED_NOW }),
      env,
    });
    await notifier.notify(notificationOf([firingAlert()]), signal);
    env['HOOK_SECRET'] = 'second-secret-value';
    await notifier.notify(notificationOf([firingAlert()]), signal);
    const [first, second] = server.requests;
    expect(first.headers['x-vigil-signature']).toBe(
      opensslSignature('first-secret-value', String(FIXED_NOW / 1000), first.body),
    );
    expect(second.headers['x-vigil-signature']).toBe(
      opensslSignature('second-secret-value', String(FIXED_NOW / 1000), second.body),
    );
  });

  it('fails without retry, naming the variable, when the env secret is missing', async () => {
    const deps = testDeps({ env: { OTHER: 'x' } });
    const result = await new WebhookNotifier(webhook(server.url('/'), { secret: { env: 'HOOK_SECRET' } }), deps).notify(
      notificationOf([firingAlert()]),
      signal,
    );
    expect(result.ok).toBe(false);
    expect(result.retry).toBe(false);
    expect(result.error).toContain('secret: environment variable HOOK_SECRET is not set');
    expect(server.requests).toHaveLength(0);
  });

  it('drops resolved alerts when sendResolved is false, and sends nothing when none is left', async () => {
    const notifier = new WebhookNotifier(webhook(server.url('/'), { sendResolved: false }), testDeps());
    expect(await notifier.notify(notificationOf([resolvedAlert()]), signal)).toEqual({ ok: true, retry: false });
    expect(server.requests).toHaveLength(0);
    await notifier.notify(notificationOf([firingAlert(), resolvedAlert({ fingerprint: 'gone' })]), signal);
    expect((JSON.parse(server.last.body) as { alerts: unknown[] }).alerts).toHaveLength(1);
  });

  it('gives up after timeoutMs (default 10 s) and says so', async () => {
    expect(webhook(server.url('/')).timeoutMs).toBe(10_000);
    server.reply(() => 'hang');
    const started = Date.now();
    const result = await new WebhookNotifier(webhook(server.url('/'), { timeoutMs: 300 }), testDeps()).notify(
      notificationOf([firingAlert()]),
      signal,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ ok: false, retry: true, error: expect.stringContaining('no answer within 300 ms') });
  });

  it("honours the pipeline's signal", async () => {
    server.reply(() => 'hang');
    const controller = new AbortController();
    const pending = new WebhookNotifier(webhook(server.url('/')), testDeps()).notify(
      notificationOf([firingAlert()]),
      controller.signal,
    );
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ ok: false, retry: true, error: expect.stringContaining('cancelled') });
  });

  it('shows only the scheme and host of its URL in errors and logs, even when the server quotes the path', async () => {
    server.reply((req) => ({ status: 404, body: `Cannot POST ${req.rawUrl}` }));
    const deps = testDeps();
    const result = await new WebhookNotifier(
      webhook(server.url('/hooks/tok-3f9a1c77e2/notify?token=abc123secret')),
      deps,
    ).notify(notificationOf([firingAlert()]), signal);
    expect(result.error).toBe(`webhook ${server.url('')}: HTTP 404: Cannot POST [REDACTED]?token=[REDACTED]`);
    for (const text of [result.error ?? '', ...deps.lines]) {
      expect(text).not.toContain('tok-3f9a1c77e2');
      expect(text).not.toContain('abc123secret');
      expect(text).not.toContain('/hooks');
    }
    expect(deps.lines.join('')).toContain('notification not delivered');
    // The next delivery, to a well-behaved endpoint, goes through.
    server.reply({ status: 200 });
    expect(
      await new WebhookNotifier(webhook(server.url('/ok')), testDeps()).notify(notificationOf([firingAlert()]), signal),
    ).toEqual({ ok: true, retry: false, status: 200 });
  });
});

describeRetryTable({
  receiver: 'webhook',
  notifier: (url, deps) => new WebhookNotifier(webhook(url, { secret: SECRET }), deps),
});

describeNoSecretLeak({
  receiver: 'webhook',
  secrets: [SECRET, 'url-token-42x', 'path-token-7c1e9a'],
  path: '/hooks/path-token-7c1e9a/in?token=url-token-42x',
  notifier: (url, deps, timeoutMs) => new WebhookNotifier(webhook(url, { secret: SECRET, timeoutMs }), deps),
});
