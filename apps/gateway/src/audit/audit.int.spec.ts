import { randomUUID } from 'node:crypto';
import type { AuditRecordView } from '@vigil/contracts';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';
import { servedRoutesOf } from '../http/served-routes';
import { CHANGING_METHODS } from './read-only';

jest.setTimeout(90_000);

type Page = { items: AuditRecordView[]; next: number | null };

/** The audit trail: one record per call that changes something, found from the router; logins too. */
describe('gateway audit trail', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let admin: string;

  const audit = async (query: Record<string, string>): Promise<Page> => {
    const r = await gw.fetch(`/api/v1/audit?${new URLSearchParams(query)}`, { token: admin });
    expect(r.status).toBe(200);
    return (await r.json()) as Page;
  };

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    gw = await startGateway({
      ...isolatedGatewayEnv(tbus, tdb, testUrls),
      VIGIL_RPC_TIMEOUT_MS: '200',
      VIGIL_TRUST_PROXY: 'loopback',
    });
    admin = await gw.login('admin', TEST_ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await gw?.close();
    await tbus.close();
    await tdb.drop();
  });

  it('leaves exactly one record for each call to every changing route, and none for reads', async () => {
    const changing = servedRoutesOf(gw.app)
      .filter((r) => CHANGING_METHODS.has(r.method) && !r.readOnly)
      .sort((a, b) => Number(a.path.endsWith('/logout')) - Number(b.path.endsWith('/logout')));
    expect(changing.length).toBeGreaterThan(15);
    const calls = [];
    for (const r of changing) {
      const requestId = randomUUID();
      const path = r.path.replace(/:[A-Za-z_]+/g, 'x1');
      const res = await gw.fetch(path, {
        method: r.method,
        token: admin,
        json: {},
        headers: { 'x-request-id': requestId },
      });
      calls.push({ route: r, path, requestId, status: res.status });
    }
    const readId = randomUUID();
    await gw.fetch('/api/v1/users', {
      token: (admin = await gw.login('admin', TEST_ADMIN_PASSWORD)),
      headers: { 'x-request-id': readId },
    });
    await gw.fetch('/api/v1/metrics/latest', {
      method: 'POST',
      token: admin,
      json: {},
      headers: { 'x-request-id': readId },
    });
    for (const c of calls) {
      const { items } = await audit({ requestId: c.requestId });
      const anonymous = ['/api/v1/auth/login', '/api/v1/auth/refresh'].includes(c.route.path);
      expect(items.map((i) => [i.action, i.target, i.status, i.actor])).toEqual([
        [`${c.route.method} ${c.route.path}`, c.path, c.status, anonymous ? 'anonymous' : 'user:admin'],
      ]);
    }
    expect((await audit({ requestId: readId })).items).toEqual([]);
  });

  it('records logins and failed logins with who, from where and how, never the password', async () => {
    const ok = randomUUID();
    const failed = randomUUID();
    const send = (password: string, id: string) =>
      gw.fetch('/api/v1/auth/login', {
        method: 'POST',
        json: { username: 'admin', password },
        headers: { 'x-request-id': id, 'user-agent': 'audit-test/1.0', 'x-forwarded-for': '203.0.113.9' },
      });
    expect((await send(TEST_ADMIN_PASSWORD, ok)).status).toBe(200);
    expect((await send('wrong-password-1234', failed)).status).toBe(401);
    const [success] = (await audit({ requestId: ok })).items;
    expect(success).toMatchObject({
      actor: 'user:admin',
      action: 'POST /api/v1/auth/login',
      outcome: 'success',
      status: 200,
      userAgent: 'audit-test/1.0',
      // Behind a trusted proxy (VIGIL_TRUST_PROXY=loopback here): the client it names.
      sourceIp: '203.0.113.9',
      changes: { username: 'admin', password: '[redacted]' },
    });
    const [failure] = (await audit({ requestId: failed })).items;
    expect(failure).toMatchObject({ actor: 'anonymous', outcome: 'failure', status: 401 });
    const all = JSON.stringify(await audit({ limit: '500' }));
    expect(all).not.toContain(TEST_ADMIN_PASSWORD);
    expect(all).not.toContain('wrong-password-1234');
  });

  it('records what changed, and filters by actor, action, target and time, newest first, in pages', async () => {
    const created = await gw.fetch('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: { username: 'ivy', role: 'viewer', password: 'ivy-password-123' },
    });
    expect(created.status).toBe(201);
    await gw.fetch('/api/v1/users/ivy/role', { method: 'PUT', token: admin, json: { role: 'operator' } });
    const { items } = await audit({ target: '/api/v1/users/ivy' });
    expect(items.map((i) => [i.action, i.changes])).toEqual([
      ['PUT /api/v1/users/:username/role', { role: 'operator' }],
    ]);
    const byAction = await audit({ action: 'POST /api/v1/users', actor: 'user:admin' });
    expect(byAction.items[0]).toMatchObject({
      status: 201,
      changes: { username: 'ivy', role: 'viewer', password: '[redacted]' },
    });
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await audit({ since: later })).items).toEqual([]);
    expect((await audit({ until: later, limit: '500' })).items.length).toBeGreaterThan(10);
    const first = await audit({ limit: '2' });
    expect(first.items.length).toBe(2);
    expect(first.items[0].seq).toBeGreaterThan(first.items[1].seq);
    const second = await audit({ limit: '2', before: String(first.next) });
    expect(second.items[0].seq).toBeLessThan(first.items[1].seq);
  });

  it('finds text in the actor, action, target or what was sent (LIKE wildcards taken literally) and filters by outcome', async () => {
    await gw.fetch('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: { username: 'zed_100', role: 'viewer', password: 'zed-password-123' },
    });
    await gw.fetch('/api/v1/users/zedx100/disable', { method: 'POST', token: admin });
    const byText = await audit({ q: 'ZED_1' });
    expect(byText.items.map((i) => [i.action, i.changes])).toEqual([
      ['POST /api/v1/users', { username: 'zed_100', role: 'viewer', password: '[redacted]' }],
    ]);
    expect((await audit({ q: 'users/zed%' })).items).toEqual([]);
    const failed = await audit({ q: 'zed', outcome: 'failure' });
    expect(failed.items.map((i) => [i.target, i.outcome])).toEqual([['/api/v1/users/zedx100/disable', 'failure']]);
    expect((await audit({ q: 'disable', actor: 'user:nobody' })).items).toEqual([]);
    const tooLong = await gw.fetch(`/api/v1/audit?q=${'x'.repeat(201)}`, { token: admin });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain('q');
    // Text Postgres cannot take as a parameter (U+0000) is refused before any query, naming the field.
    const nul = await gw.fetch('/api/v1/audit?q=a%00', { token: admin });
    expect(nul.status).toBe(400);
    expect(await nul.text()).toMatch(/\bq\b/);
    // A backslash, LIKE's escape character, is matched as itself too (unescaped at the end it would fail the query).
    expect((await audit({ q: 'zed\\' })).items).toEqual([]);
  });
});
