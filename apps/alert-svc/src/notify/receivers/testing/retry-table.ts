import type { Notification, Notifier } from '../../notification';
import type { NotifierDeps } from '../notifier-deps';
import { CaptureServer, type Reply } from './capture-server';
import { testDeps } from './log-capture';
import { firingAlert, notificationOf } from './sample-notifications';

export interface RetryRow {
  status: number;
  ok: boolean;
  retry: boolean;
}

/** Every HTTP status that matters and what the retrier makes of it. */
export const RETRY_TABLE: readonly RetryRow[] = [
  { status: 200, ok: true, retry: false },
  { status: 201, ok: true, retry: false },
  { status: 202, ok: true, retry: false },
  { status: 204, ok: true, retry: false },
  { status: 301, ok: false, retry: false },
  { status: 302, ok: false, retry: false },
  { status: 307, ok: false, retry: false },
  { status: 400, ok: false, retry: false },
  { status: 401, ok: false, retry: false },
  { status: 403, ok: false, retry: false },
  { status: 404, ok: false, retry: false },
  { status: 405, ok: false, retry: false },
  { status: 408, ok: false, retry: true },
  { status: 409, ok: false, retry: false },
  { status: 410, ok: false, retry: false },
  { status: 413, ok: false, retry: false },
  { status: 415, ok: false, retry: false },
  { status: 422, ok: false, retry: false },
  { status: 429, ok: false, retry: true },
  { status: 500, ok: false, retry: true },
  { status: 501, ok: false, retry: true },
  { status: 502, ok: false, retry: true },
  { status: 503, ok: false, retry: true },
  { status: 504, ok: false, retry: true },
  { status: 599, ok: false, retry: true },
];

export const FIXED_NOW = Date.parse('2026-03-01T10:05:00.000Z');

export interface RetryTableTarget {
  receiver: string;
  /** The notifier aimed at `url` (the capture server, with the path it needs). */
  notifier(url: string, deps: NotifierDeps): Notifier;
  /** The path the notifier is aimed at on the capture server. */
  path?: string;
  /** What the server answers with a 2xx status (a provider's `{"errcode":0}`); empty by default. */
  successBody?: string;
  /** Where the provider's own answer changes a row (a 2xx that carries no errcode). */
  expect?(row: RetryRow): RetryRow;
  notification?: Notification;
}

/** Runs the retry table, and Retry-After in seconds and as a date, against a real local HTTP server. */
export function describeRetryTable(target: RetryTableTarget): void {
  describe(`${target.receiver}: retry table against a real HTTP server`, () => {
    let server: CaptureServer;
    beforeAll(async () => {
      server = await CaptureServer.start();
    });
    afterAll(() => server.close());
    beforeEach(() => server.reset());

    const send = (reply: Reply) => {
      server.reply(reply);
      const notifier = target.notifier(server.url(target.path ?? '/'), testDeps({ now: FIXED_NOW, env: {} }));
      return notifier.notify(target.notification ?? notificationOf([firingAlert()]), new AbortController().signal);
    };

    it.each(RETRY_TABLE.map((row) => ({ ...(target.expect?.(row) ?? row), answered: row.status })))(
      'HTTP $answered: ok=$ok retry=$retry',
      async ({ answered, ok, retry }) => {
        const success = answered >= 200 && answered < 300;
        const result = await send({
          status: answered,
          headers: answered >= 300 && answered < 400 ? { location: server.url('/moved') } : {},
          body: success ? target.successBody : `{"error":"status ${answered}"}`,
        });
        expect({ ok: result.ok, retry: result.retry }).toEqual({ ok, retry });
        expect(result.status).toBe(answered);
        if (!ok) expect(result.error).toEqual(expect.stringContaining(String(answered)));
        expect(server.requests).toHaveLength(1);
      },
    );

    it.each([429, 503])('HTTP %i with Retry-After in seconds', async (status) => {
      const result = await send({ status, headers: { 'retry-after': '7' } });
      expect(result).toMatchObject({ ok: false, retry: true, status, retryAfterMs: 7000 });
    });

    it('HTTP 429 with Retry-After as an HTTP date', async () => {
      const result = await send({
        status: 429,
        headers: { 'retry-after': new Date(FIXED_NOW + 30_000).toUTCString() },
      });
      expect(result).toMatchObject({ ok: false, retry: true, status: 429, retryAfterMs: 30_000 });
    });

    it('ignores Retry-After on a status that is not retried', async () => {
      const result = await send({ status: 400, headers: { 'retry-after': '7' } });
      expect(result.retryAfterMs).toBeUndefined();
    });
  });
}
