import type { Notification, Notifier, NotifyResult } from '../../notification';
import type { NotifierDeps } from '../notifier-deps';
import { CaptureServer, echoReply, refusedUrl, type Reply, type Responder } from './capture-server';
import { testDeps } from './log-capture';
import { firingAlert, notificationOf } from './sample-notifications';

/** Every form a secret could take in a text: as is, URL-encoded, form-encoded. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2)])];
}

export interface LeakEvidence {
  result?: NotifyResult;
  thrown?: unknown;
  lines: string[];
}

/** Runs one failing delivery and returns everything it left behind: result, thrown error, log lines. */
export async function collectEvidence(
  run: (deps: NotifierDeps) => Promise<NotifyResult>,
  env: Record<string, string> = {},
): Promise<LeakEvidence> {
  const deps = testDeps({ env });
  try {
    return { result: await run(deps), lines: deps.lines };
  } catch (thrown) {
    return { thrown, lines: deps.lines };
  }
}

/** Asserts that no secret, in any form, appears in the result, a thrown error or a log line; and that the delivery failed. */
export function expectNoSecretIn(evidence: LeakEvidence, secrets: readonly string[]): void {
  const thrown =
    evidence.thrown instanceof Error
      ? `${evidence.thrown.message}\n${evidence.thrown.stack ?? ''}`
      : String(evidence.thrown ?? '');
  const texts = [JSON.stringify(evidence.result ?? {}), thrown, ...evidence.lines];
  for (const secret of secrets) {
    for (const form of forms(secret)) {
      for (const text of texts) expect(text).not.toContain(form);
    }
  }
  expect(evidence.thrown).toBeUndefined();
  expect(evidence.result?.ok).toBe(false);
  expect(evidence.result?.error).toEqual(expect.any(String));
  expect(evidence.lines.join('')).toContain('notification not delivered');
}

export interface LeakTarget {
  receiver: string;
  /** The values that must never show: keys, tokens, signatures, passwords. */
  secrets: readonly string[];
  /** Environment the notifier reads `{ env }` secrets from. */
  env?: Record<string, string>;
  /** The notifier aimed at `url`, with the given deps and timeout. */
  notifier(url: string, deps: NotifierDeps, timeoutMs: number): Notifier;
  path?: string;
  /** Provider answers that are errors (200 with an errcode): each is driven, and again with the request echoed in. */
  providerErrors?: Array<{ name: string; reply: (echo: string) => Reply }>;
  /** Secrets derived per request (a signature in the URL) read back from what the server received. */
  derivedSecrets?(url: string): string[];
  notification?: Notification;
}

/** Drives every kind of failure against a real HTTP server and checks that no secret leaks. */
export function describeNoSecretLeak(target: LeakTarget): void {
  describe(`${target.receiver}: no secret leaks`, () => {
    let server: CaptureServer;
    beforeAll(async () => {
      server = await CaptureServer.start();
    });
    afterAll(() => server.close());
    beforeEach(() => server.reset());

    const notification = target.notification ?? notificationOf([firingAlert()]);
    const run = (url: string, timeoutMs = 2_000, signal = new AbortController().signal) =>
      collectEvidence((deps) => target.notifier(url, deps, timeoutMs).notify(notification, signal), target.env);
    const secrets = () => [
      ...target.secrets,
      ...server.requests.flatMap((r) => target.derivedSecrets?.(r.rawUrl) ?? []),
    ];
    const path = target.path ?? '/';

    it('connection refused', async () => {
      expectNoSecretIn(await run(await refusedUrl(path)), target.secrets);
    });

    it('no answer before the timeout', async () => {
      server.reply(() => 'hang');
      const evidence = await run(server.url(path), 200);
      expect(evidence.result?.retry).toBe(true);
      expectNoSecretIn(evidence, secrets());
    });

    it('cancelled by the pipeline', async () => {
      server.reply(() => 'hang');
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      expectNoSecretIn(await run(server.url(path), 5_000, controller.signal), secrets());
    });

    const statuses: Array<[string, Responder]> = [
      ['HTTP 500 quoting the request', echoReply(500)],
      ['HTTP 400 quoting the request', echoReply(400)],
      ['HTTP 429 quoting the request', echoReply(429)],
      [
        'HTTP 302 to a URL with the request in it',
        (req) => ({ status: 302, headers: { location: `http://127.0.0.1:1${req.rawUrl}` } }),
      ],
    ];
    it.each(statuses)('%s', async (_name, responder) => {
      server.reply(responder);
      expectNoSecretIn(await run(server.url(path)), secrets());
    });

    const providerErrors = target.providerErrors ?? [];
    if (providerErrors.length) {
      it.each(providerErrors.map((p) => [p.name, p.reply] as const))(
        'provider error %s quoting the request',
        async (_name, reply) => {
          server.reply((req) => reply(`${req.rawUrl} ${JSON.stringify(req.headers)} ${req.body}`));
          expectNoSecretIn(await run(server.url(path)), secrets());
        },
      );
    }
  });
}
