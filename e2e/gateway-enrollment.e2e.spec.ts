import { generateKeyPairSync } from 'node:crypto';
import { encodePublicKey, identityCommands } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { TestPlatform } from './platform';

jest.setTimeout(60_000);

/** An admin creates an enrollment token and revokes a node through the gateway; registry-svc does the work. */
describe('enrollment through the gateway', () => {
  const platform = new TestPlatform();

  beforeAll(async () => {
    await platform.setup();
    await platform.startRegistry();
    await platform.startGateway();
  });
  afterAll(() => platform.teardown());

  const post = async (path: string, body: unknown) => {
    const r = await platform.gatewayFetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('creates a one-time token an agent enrolls with, then revokes the node; both audited without the token', async () => {
    // nodeId binds the token to the node where registry-svc supports it (an older one ignores it).
    const created = await post('/api/v1/enrollment-tokens', { ttlSeconds: 600, nodeId: 'gw-enrolled', note: 'rack 4' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tokenId: expect.any(String), token: expect.any(String) });
    const token = created.body.token as string;

    const { publicKey } = generateKeyPairSync('ed25519');
    const enrolled = await requestQuery(
      platform.bus.nc,
      platform.bus.topology,
      identityCommands.enroll,
      { token, nodeId: 'gw-enrolled', publicKey: encodePublicKey(publicKey), hostname: 'h' },
      10_000,
    );
    expect(enrolled.nodeId).toBe('gw-enrolled');

    const bad = await post('/api/v1/enrollment-tokens', { ttlSeconds: 1 });
    expect(bad.status).toBe(400);

    const revoked = await post('/api/v1/nodes/gw-enrolled/revoke', { reason: 'decommissioned' });
    expect(revoked).toMatchObject({ status: 200, body: { nodeId: 'gw-enrolled', revokedAt: expect.any(String) } });

    const audit = await platform.getJson<{ items: { action: string; actor: string }[] }>(
      'gateway',
      '/api/v1/audit?actor=user:admin',
    );
    expect(audit.body.items.map((i) => i.action)).toEqual(
      expect.arrayContaining(['POST /api/v1/enrollment-tokens', 'POST /api/v1/nodes/:id/revoke']),
    );
    expect(JSON.stringify(audit.body)).not.toContain(token);
  });
});
