import { type NotificationEvent, notificationEvents, uuidv7 } from '@vigil/contracts';
import { EventStore, type NewEvent } from '@vigil/event-store';
import {
  createTestBus,
  createTestDatabase,
  sleep,
  type TestBus,
  type TestDatabase,
  testUrls,
} from '@vigil/test-support';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';
import { type LiveClient, openLive } from '../testing/live-client';

jest.setTimeout(90_000);

const meta = { correlationId: 'c-live-notify', causationId: null, actor: 'service:alert-svc' };

/**
 * The live API's `notifications` topic on two gateway replicas against the real NATS, Postgres
 * and Redis of the tests: outcome events appended to EVENTS by the test as alert-svc appends them
 * (`events.notification.<id>`), with the same roles, scope, cursors and resumption as the others.
 */
describe('gateway live API: notification outcomes', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let gw2: GatewayUnderTest;
  let admin: string;
  let store: EventStore<NotificationEvent>;
  const clients: LiveClient[] = [];
  const open = async (base: string, token: string) => {
    const client = await openLive(base, token);
    clients.push(client);
    return client;
  };

  const outcome = (
    type: 'notification.delivered' | 'notification.attempt_failed',
    attempt: number,
    id = uuidv7(),
  ): NewEvent<NotificationEvent> => {
    const data = {
      notificationId: id,
      receiver: 'ops-hook',
      receiverType: 'webhook',
      groupKey: '{}:{alertname="HighCPU"}',
      status: 'firing' as const,
      fingerprints: ['00000000000000a1'],
      alertCount: 1,
      attempt,
    };
    return type === 'notification.delivered'
      ? { type, data: { ...data, httpStatus: 200 } }
      : {
          type,
          data: {
            ...data,
            httpStatus: 503,
            error: 'webhook https://hooks.example.com: HTTP 503',
            nextAttemptAt: new Date().toISOString(),
          },
        };
  };
  const append = async (e: NewEvent<NotificationEvent>) =>
    (await store.append((e.data as { notificationId: string }).notificationId, [e], 'any', meta)).lastSeq;

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    const env = { ...isolatedGatewayEnv(tbus, tdb, testUrls), VIGIL_RPC_TIMEOUT_MS: '2000' };
    gw = await startGateway(env);
    gw2 = await startGateway(env);
    admin = await gw.login('admin', TEST_ADMIN_PASSWORD);
    store = new EventStore(tbus.js, tbus.jsm, tbus.topology, 'notification', notificationEvents);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await gw?.close();
    await gw2?.close();
    await tbus.close();
    await tdb.drop();
  });

  it('sends a viewer the outcomes on both replicas with their cursors, and resumes after a cursor', async () => {
    const r = await gw.fetch('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: { username: 'watcher', role: 'viewer', password: 'watcher-password-1' },
    });
    expect(r.status).toBe(201);
    const viewerToken = await gw.login('watcher', 'watcher-password-1');
    const a = await open(gw.base, viewerToken);
    const b = await open(gw2.base, viewerToken);
    for (const c of [a, b]) {
      c.send({ op: 'subscribe', id: 'n', topic: 'notifications' });
      await c.frame('subscribed');
    }
    const id = uuidv7();
    const retried = await append(outcome('notification.attempt_failed', 1, id));
    const delivered = await append(outcome('notification.delivered', 2, id));
    for (const c of [a, b]) {
      await c.frame('event', (f) => f.cursor === String(delivered));
      expect(c.events('n').map((f) => [f.cursor, f.event.type, f.event.actor])).toEqual([
        [String(retried), 'notification.attempt_failed', 'service:alert-svc'],
        [String(delivered), 'notification.delivered', 'service:alert-svc'],
      ]);
    }
    expect(a.events('n')[0].event).toMatchObject({
      subject: `notification.${id}`,
      data: { notificationId: id, receiver: 'ops-hook', attempt: 1, httpStatus: 503, error: expect.any(String) },
    });

    // Gone for two outcomes, back on the other replica: those two first, then live ones.
    a.close();
    const missed = [
      await append(outcome('notification.delivered', 1)),
      await append(outcome('notification.attempt_failed', 1)),
    ];
    const again = await open(gw2.base, viewerToken);
    again.send({ op: 'subscribe', id: 'n', topic: 'notifications', since: String(delivered) });
    expect(await again.frame('subscribed')).toEqual({ type: 'subscribed', id: 'n', replayed: 2 });
    const live = await append(outcome('notification.delivered', 1));
    await again.frame('event', (f) => f.cursor === String(live));
    expect(again.events('n').map((f) => f.cursor)).toEqual([...missed, live].map(String));
  });

  it('refuses the topic to a key scoped to node labels, as REST refuses it the notifications', async () => {
    const created = await gw.fetch('/api/v1/keys', {
      method: 'POST',
      token: admin,
      json: { name: 'scoped-notify', role: 'viewer', scope: { env: 'prod' } },
    });
    expect(created.status).toBe(201);
    const key = ((await created.json()) as { key: string }).key;
    const c = await open(gw.base, key);
    c.send({ op: 'subscribe', id: 'n', topic: 'notifications' });
    expect(await c.frame('error', (f) => f.id === 'n')).toMatchObject({ code: 'forbidden', field: 'topic' });
    await append(outcome('notification.delivered', 1));
    await sleep(300);
    expect(c.frames.filter((f) => f.type === 'event')).toEqual([]);
    const rest = await gw.fetch('/api/v1/alerts/notifications', { token: key });
    expect(rest.status).toBe(403);
  });
});
