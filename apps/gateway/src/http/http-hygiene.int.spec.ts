import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';

jest.setTimeout(60_000);

const CONSOLE = 'https://console.example.com';
const PER_IP = 120;
const PER_PRINCIPAL = 20;

const problem = async (r: Response) => {
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await r.json()) as { type: string; status: number; detail: string };
};

/**
 * The HTTP rules every request meets, on two gateway replicas sharing one Redis (and NATS and
 * Postgres): headers, CORS, media types, body size, rate limits, problem+json without secrets.
 */
describe('gateway HTTP hygiene', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let replica: GatewayUnderTest;
  let admin: string;

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    const env = {
      ...isolatedGatewayEnv(tbus, tdb, testUrls),
      VIGIL_RPC_TIMEOUT_MS: '200',
      VIGIL_HTTP_BODY_LIMIT: '4096',
      VIGIL_CORS_ORIGINS: CONSOLE,
      VIGIL_RATE_LIMIT_PER_IP: String(PER_IP),
      VIGIL_RATE_LIMIT_PER_PRINCIPAL: String(PER_PRINCIPAL),
    };
    gw = await startGateway(env);
    replica = await startGateway(env);
    admin = await gw.login('admin', TEST_ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await gw?.close();
    await replica?.close();
    await tbus.close();
    await tdb.drop();
  });

  it('sends security headers fit for an API and a same-origin console', async () => {
    const r = await gw.fetch('/health/live');
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(r.headers.get('x-powered-by')).toBeNull();
  });

  it('answers CORS only for the listed origins', async () => {
    const preflight = (origin: string) =>
      gw.fetch('/api/v1/auth/me', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight(CONSOLE);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('takes changing requests only as JSON (415 problem+json), but the Prometheus read POSTs as a form too', async () => {
    for (const [type, body] of [
      ['text/plain', 'username=x'],
      ['application/x-www-form-urlencoded', 'username=x&role=viewer&password=a-long-password-1'],
      ['multipart/form-data; boundary=x', '--x--'],
    ]) {
      const r = await gw.fetch('/api/v1/users', {
        method: 'POST',
        token: admin,
        headers: { 'content-type': type },
        body,
      });
      expect(r.status).toBe(415);
      const p = await problem(r);
      expect(p).toMatchObject({ type: 'https://vigil.dev/problems/unsupported-media-type', status: 415 });
      expect(JSON.stringify(p)).not.toContain('a-long-password-1');
    }
    const json = await gw.fetch('/api/v1/users', {
      method: 'POST',
      token: admin,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ username: 'json-user', role: 'viewer', password: 'json-user-password-1' }),
    });
    expect(json.status).toBe(201);
    // Grafana's form POST reaches the Prometheus API (no metrics-svc answers here: not 415 is what counts).
    const form = await gw.fetch('/api/v1/query', {
      method: 'POST',
      token: admin,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=up',
    });
    expect(form.status).not.toBe(415);
    // A changing call without a body needs no content type.
    const token = await gw.login('json-user', 'json-user-password-1');
    expect((await gw.fetch('/api/v1/auth/logout', { method: 'POST', token })).status).toBe(204);
  });

  it('refuses bodies over VIGIL_HTTP_BODY_LIMIT (413 problem+json)', async () => {
    const r = await gw.fetch('/api/v1/users', {
      method: 'POST',
      token: admin,
      json: { username: 'big', role: 'viewer', password: 'x'.repeat(5000) },
    });
    expect(r.status).toBe(413);
    expect(await problem(r)).toMatchObject({ type: 'https://vigil.dev/problems/payload-too-large', status: 413 });
  });

  it('never echoes a secret in a problem: malformed JSON, bad credentials, cookies', async () => {
    const malformed = await gw.fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username": "admin", "password": "hunter2-secret-pass',
    });
    expect(malformed.status).toBe(400);
    const text = JSON.stringify(await problem(malformed));
    expect(text).not.toContain('hunter2');
    const forged = await gw.fetch('/api/v1/auth/me', {
      headers: { authorization: 'Bearer vgl_forged-secret-token', cookie: 'vigil_access=cookie-secret-value' },
    });
    expect(forged.status).toBe(401);
    const body = JSON.stringify(await problem(forged));
    expect(body).not.toContain('forged-secret-token');
    expect(body).not.toContain('cookie-secret-value');
  });

  it('limits each user across replicas: the counter is in Redis (429 problem+json with Retry-After)', async () => {
    const password = 'rate-limited-password-1';
    expect(
      (
        await gw.fetch('/api/v1/users', {
          method: 'POST',
          token: admin,
          json: { username: 'busy', role: 'viewer', password },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await gw.fetch('/api/v1/users', {
          method: 'POST',
          token: admin,
          json: { username: 'calm', role: 'viewer', password },
        })
      ).status,
    ).toBe(201);
    const token = await gw.login('busy', password);
    const other = await gw.login('calm', password);
    for (let i = 0; i < PER_PRINCIPAL; i++) {
      const r = await (i % 2 ? replica : gw).fetch('/api/v1/auth/me', { token });
      expect([i, r.status]).toEqual([i, 200]);
    }
    for (const instance of [gw, replica]) {
      const r = await instance.fetch('/api/v1/auth/me', { token });
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await problem(r)).toMatchObject({ type: 'https://vigil.dev/problems/rate-limited', status: 429 });
    }
    // Another user still gets through.
    expect((await replica.fetch('/api/v1/auth/me', { token: other })).status).toBe(200);
  });

  // Last: it spends the address' budget, which every other test shares.
  it('limits each client address, whoever it is, across replicas; health probes are never limited', async () => {
    let refused: Response | undefined;
    for (let i = 0; i < PER_IP + 1 && !refused; i++) {
      const r = await (i % 2 ? replica : gw).fetch('/api/v1/auth/me');
      if (r.status === 429) refused = r;
      else expect([i, r.status, r.status === 401 ? '' : await r.text()]).toEqual([i, 401, '']);
    }
    expect(refused).toBeDefined();
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await gw.fetch('/api/v1/auth/me', { token: admin })).status).toBe(429);
    expect((await replica.fetch('/health/live')).status).toBe(200);
  });
});
