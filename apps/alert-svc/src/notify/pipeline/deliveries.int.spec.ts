import { randomUUID } from 'node:crypto';
import { Database, loadConfig, Observability } from '@vigil/platform';
import { createLogger } from '@vigil/telemetry';
import { createTestDatabase, eventually, type TestDatabase } from '@vigil/test-support';
import { Registry } from 'prom-client';
import { AlertEnv } from '../../config';
import { AlertingInit1764400000000 } from '../../migrations/1764400000000-alerting-init';
import { Notifications1764500000000 } from '../../migrations/1764500000000-notifications';
import { SilencesAlertHistory1764600000000 } from '../../migrations/1764600000000-silences-alert-history';
import type { Notification, NotifyResult } from '../notification';
import { NotificationLog } from '../notification-log';
import { attemptOutcomeEvent } from '../notification-outcomes';
import { WebhookReceiverConfig } from '@vigil/contracts';
import { CaptureServer } from '../receivers/testing/capture-server';
import { captureLogs } from '../receivers/testing/log-capture';
import { WebhookNotifier } from '../receivers/webhook/webhook.notifier';
import { Deliveries } from './deliveries';
import { createNotifyMetrics } from './notify.metrics';

const logger = createLogger({ service: 'alert-svc', level: 'silent' });

function notification(groupKey: string, status: 'firing' | 'resolved'): Notification {
  return {
    id: randomUUID(),
    receiver: 'hook',
    status,
    groupKey,
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    alerts: [],
  };
}

describe('Deliveries (Postgres outbox)', () => {
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    const config = loadConfig('alert-svc', 'VIGIL_ALERT_PORT', 0, AlertEnv, { DATABASE_URL: tdb.url });
    db = await Database.connect(config, new Observability('alert-svc', logger), {
      schema: 'alerting',
      migrations: [AlertingInit1764400000000, Notifications1764500000000, SilencesAlertHistory1764600000000],
    });
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it("sends one group's notifications in the order they were recorded, even while the first waits for a retry; other groups do not wait", async () => {
    // The receiver refuses the group's first notification twice (503), then takes everything.
    const sent: { id: string; ok: boolean; at: number }[] = [];
    let refusals = 2;
    const first = notification('g1', 'firing');
    const notifier = {
      notify: async (n: Notification): Promise<NotifyResult> => {
        const ok = !(n.id === first.id && refusals-- > 0);
        sent.push({ id: n.id, ok, at: Date.now() });
        return ok ? { ok, retry: false, status: 200 } : { ok, retry: true, status: 503, error: 'HTTP 503' };
      },
    };
    const log = new NotificationLog(db);
    const ends: string[] = [];
    const deliveries = new Deliveries({
      log,
      notifier: () => notifier,
      logger,
      onAttemptEnded: async (e) => {
        if (e.notification.id === first.id) ends.push(`${e.attempt}:${e.state}:${e.result.status}`);
      },
      metrics: createNotifyMetrics(new Registry()),
      policy: { initialBackoffMs: 200, maxBackoffMs: 400, maxAgeMs: 60_000 },
      pollMs: 50,
    });
    deliveries.start();
    try {
      const t0 = Date.now();
      await deliveries.record([{ notification: first, firing: ['a'], createdAt: t0 }]);
      await eventually(() => sent.length >= 1, { what: 'the first attempt' });
      // Recorded while the first is pending a retry: the group's resolved notification, and another group's.
      const second = notification('g1', 'resolved');
      const other = notification('g2', 'firing');
      await deliveries.record([
        { notification: second, firing: [], createdAt: t0 + 1 },
        { notification: other, firing: ['b'], createdAt: t0 + 1 },
      ]);
      await eventually(async () => (await log.pendingCount()) === 0, {
        timeoutMs: 10_000,
        what: 'every notification delivered',
      });

      const order = sent.map((s) =>
        s.id === first.id ? `first:${s.ok}` : s.id === second.id ? `second:${s.ok}` : `other:${s.ok}`,
      );
      // The other group went out at once, not behind g1's retries.
      expect(order.indexOf('other:true')).toBeLessThan(order.indexOf('first:true'));
      // g1: three attempts of the first, and only then the second, once.
      expect(order.filter((o) => !o.startsWith('other'))).toEqual([
        'first:false',
        'first:false',
        'first:true',
        'second:true',
      ]);
      const rows = await db.query<{ id: string; state: string; attempts: number }>(
        'test',
        'SELECT id, state, attempts FROM alerting.notifications ORDER BY created_at, id',
        [],
      );
      expect(new Map(rows.map((r) => [r.id, [r.state, r.attempts]]))).toEqual(
        new Map([
          [first.id, ['delivered', 3]],
          [second.id, ['delivered', 1]],
          [other.id, ['delivered', 1]],
        ]),
      );
      // Each attempt's outcome is told once the log has it (the outcome events are made of these).
      expect(ends).toEqual(['1:pending:503', '2:pending:503', '3:delivered:200']);
    } finally {
      await deliveries.stop();
    }
  }, 30_000);
  it("records a failing webhook's error without its URL's path or token, in the history and the logs; a well-behaved receiver's notification is delivered meanwhile", async () => {
    const server = await CaptureServer.start();
    const captured = captureLogs();
    const token = 'tok-3f9a1c77e2b4';
    // A careless server quotes the whole request line, token included.
    server.reply((req) =>
      req.path.startsWith('/hooks/') ? { status: 404, body: `Cannot POST ${req.rawUrl}` } : { status: 200 },
    );
    const deps = { logger: captured.logger, env: {} };
    const notifiers = new Map([
      [
        'leaky',
        new WebhookNotifier(
          WebhookReceiverConfig.parse({ type: 'webhook', url: server.url(`/hooks/${token}/alerts?sig=q-9z8y7x6w`) }),
          deps,
        ),
      ],
      ['good', new WebhookNotifier(WebhookReceiverConfig.parse({ type: 'webhook', url: server.url('/ok') }), deps)],
    ]);
    const log = new NotificationLog(db);
    const told: string[] = [];
    const deliveries = new Deliveries({
      log,
      notifier: (receiver) => notifiers.get(receiver),
      logger: captured.logger,
      onAttemptEnded: async (e) => {
        told.push(JSON.stringify(attemptOutcomeEvent(e, 'webhook')));
      },
      metrics: createNotifyMetrics(new Registry()),
      policy: { initialBackoffMs: 200, maxBackoffMs: 400, maxAgeMs: 60_000 },
      pollMs: 50,
    });
    deliveries.start();
    try {
      const alert = {
        fingerprint: 'f1',
        status: 'firing' as const,
        labels: { alertname: 'A' },
        annotations: {},
        startsAt: new Date().toISOString(),
      };
      const leaky = { ...notification('leaky-group', 'firing'), receiver: 'leaky', alerts: [alert] };
      const good = { ...notification('good-group', 'firing'), receiver: 'good', alerts: [alert] };
      await deliveries.record([
        { notification: leaky, firing: ['f1'], createdAt: Date.now() },
        { notification: good, firing: ['f1'], createdAt: Date.now() },
      ]);
      const rows = await eventually(
        async () => {
          const r = await db.query<{ id: string; state: string; last_error: string | null }>(
            'test',
            'SELECT id, state, last_error FROM alerting.notifications WHERE id = ANY($1::uuid[])',
            [[leaky.id, good.id]],
          );
          return r.length === 2 && r.every((x) => x.state !== 'pending') && new Map(r.map((x) => [x.id, x]));
        },
        { timeoutMs: 10_000, what: 'both outcomes recorded' },
      );
      expect(rows.get(good.id)?.state).toBe('delivered');
      expect(rows.get(leaky.id)).toMatchObject({
        state: 'failed',
        last_error: `webhook ${server.url('')}: HTTP 404: Cannot POST [REDACTED]?sig=[REDACTED]`,
      });
      const attempts = await db.query<{ error: string | null }>(
        'test',
        'SELECT error FROM alerting.notification_attempts WHERE notification_id = $1',
        [leaky.id],
      );
      expect(attempts.map((a) => a.error)).toEqual([rows.get(leaky.id)?.last_error]);
      expect(told.map((t) => (JSON.parse(t) as { type: string }).type).sort()).toEqual([
        'notification.delivered',
        'notification.failed',
      ]);
      for (const text of [...attempts.map((a) => a.error ?? ''), ...captured.lines, ...told]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain('q-9z8y7x6w');
        expect(text).not.toContain('/hooks');
      }
      expect(captured.lines.join('')).toContain('notification not delivered');
    } finally {
      await deliveries.stop();
      await server.close();
    }
  }, 30_000);

  it('pages the history newest first with `before` (ties on the time included), each notification once', async () => {
    const log = new NotificationLog(db);
    const at = Date.now() + 60_000;
    const mine = Array.from({ length: 5 }, () => ({ ...notification('paging', 'firing'), receiver: 'pager' }));
    // Recorded together: one time for all five, so only the id orders them.
    await log.record(mine.map((n) => ({ notification: n, firing: [], createdAt: at })));
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 5; page++) {
      const r = await log.list({ receiver: 'pager', limit: 2, ...(before ? { before } : {}) });
      seen.push(...r.notifications.map((n) => n.id));
      if (r.notifications.length < 2) break;
      before = r.notifications.at(-1)!.id;
    }
    expect(seen).toEqual(
      mine
        .map((n) => n.id)
        .sort()
        .reverse(),
    );
    // An id not in the history (deleted by retention): an empty page, not the newest one again.
    expect((await log.list({ receiver: 'pager', limit: 2, before: randomUUID() })).notifications).toEqual([]);
  });
});
