import type { ApiKeyView, AuditRecordView } from '@vigil/contracts';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { Client } from 'pg';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';
import { wellFormedApiKey } from './key-format';

jest.setTimeout(60_000);

type Created = ApiKeyView & { key: string };

/** API keys over HTTP: shown once, stored hashed, a Bearer everywhere, with their role, expiry and revocation. */
describe('gateway API keys', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let admin: string;

  const create = async (body: Record<string, unknown>): Promise<Created> => {
    const r = await gw.fetch('/api/v1/keys', { method: 'POST', token: admin, json: body });
    expect(r.status).toBe(201);
    return (await r.json()) as Created;
  };
  /** Whether the gateway let the key in (a 503 from the absent service behind it counts as in). */
  const status = async (token: string, path = '/api/v1/nodes', method = 'GET') =>
    (await gw.fetch(path, { token, method, json: method === 'GET' ? undefined : {} })).status;

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    gw = await startGateway({
      ...isolatedGatewayEnv(tbus, tdb, testUrls),
      VIGIL_RPC_TIMEOUT_MS: '200',
      VIGIL_API_KEY_MAX_DAYS: '120',
    });
    admin = await gw.login('admin', TEST_ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await gw?.close();
    await tbus.close();
    await tdb.drop();
  });

  it('creates a key in the vgl_ format, shown once, expiring in 90 days by default, at most the maximum', async () => {
    const k = await create({ name: 'grafana', role: 'viewer' });
    expect(k.key).toMatch(/^vgl_[0-9A-Za-z]{36}$/);
    expect(wellFormedApiKey(k.key)).toBe(true);
    expect(k).toMatchObject({ name: 'grafana', role: 'viewer', createdBy: 'user:admin', revokedAt: null });
    const days = (Date.parse(k.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    const tooLong = await gw.fetch('/api/v1/keys', {
      method: 'POST',
      token: admin,
      json: { name: 'x', role: 'viewer', expiresInDays: 121 },
    });
    expect(tooLong.status).toBe(400);
    const list = await (await gw.fetch('/api/v1/keys', { token: admin })).text();
    expect(list).toContain(k.id);
    expect(list).not.toContain(k.key);
    expect(list).not.toContain(k.key.slice(4, 20));
    // Stored as a hash only.
    const db = new Client({ connectionString: tdb.url });
    await db.connect();
    const dump = JSON.stringify((await db.query('SELECT * FROM gateway.api_key_secrets')).rows);
    await db.end();
    expect(dump).not.toContain(k.key);
  });

  it('is accepted as a Bearer everywhere within its role, the Prometheus-compatible API too', async () => {
    const viewer = await create({ name: 'grafana', role: 'viewer' });
    const operator = await create({ name: 'ci', role: 'operator' });
    expect(await status(viewer.key)).not.toBe(401);
    expect(await status(viewer.key, '/api/v1/labels')).toBe(503);
    expect(await status(viewer.key, '/api/v1/query?query=up')).toBe(503);
    expect(await status(viewer.key, '/api/v1/alerts/silences', 'POST')).toBe(403);
    expect(await status(operator.key, '/api/v1/alerts/silences', 'POST')).not.toBe(403);
    expect(await status(operator.key, '/api/v1/users')).toBe(403);
    const me = await gw.fetch('/api/v1/auth/me', { token: operator.key });
    expect(await me.json()).toEqual({ kind: 'key', id: operator.id, role: 'operator' });
  });

  it('refuses a made-up, mistyped, revoked or expired key (401)', async () => {
    const k = await create({ name: 'temp', role: 'viewer' });
    const typo = k.key.slice(0, 10) + (k.key[10] === 'a' ? 'b' : 'a') + k.key.slice(11);
    expect(await status(typo)).toBe(401);
    expect(await status(`vgl_${'0'.repeat(36)}`)).toBe(401);
    expect(await status(k.key)).toBe(503);
    const revoked = await gw.fetch(`/api/v1/keys/${k.id}`, { method: 'DELETE', token: admin });
    expect(await revoked.json()).toMatchObject({ id: k.id, revokedAt: expect.any(String) });
    expect(await status(k.key)).toBe(401);

    const old = await create({ name: 'old', role: 'viewer' });
    const db = new Client({ connectionString: tdb.url });
    await db.connect();
    await db.query(`UPDATE gateway.api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [old.id]);
    await db.end();
    expect(await status(old.key)).toBe(401);
  });

  it('records its last use, its use in the audit trail, and acts as key:<id>', async () => {
    const k = await create({ name: 'script', role: 'operator' });
    const before = Date.now();
    expect(await status(k.key)).toBe(503);
    await status(k.key);
    const { keys } = (await (await gw.fetch('/api/v1/keys', { token: admin })).json()) as { keys: ApiKeyView[] };
    const used = keys.find((x) => x.id === k.id);
    expect(Date.parse(used?.lastUsedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    await status(k.key, '/api/v1/alerts/silences', 'POST');
    const page = (await (await gw.fetch(`/api/v1/audit?actor=key:${k.id}`, { token: admin })).json()) as {
      items: AuditRecordView[];
    };
    expect(page.items.map((i) => i.action)).toEqual(['POST /api/v1/alerts/silences', 'key.used']);
    expect(JSON.stringify(page)).not.toContain(k.key);
  });
});
