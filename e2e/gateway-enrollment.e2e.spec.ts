import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { encodePublicKey, type EnrollmentTokenView, identityCommands, registryQueries } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually, repoRoot, testGatewayAuth } from '@vigil/test-support';
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
    const created = await post('/api/v1/enrollment-tokens', { nodeId: 'gw-enrolled', ttlSeconds: 600, note: 'rack 4' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      tokenId: expect.any(String),
      token: expect.any(String),
      nodeId: 'gw-enrolled',
    });
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

    // A revoked node comes back only with a new key, after an admin's re-key.
    const rekeyed = await post('/api/v1/nodes/gw-enrolled/rekey', { reason: 'reinstalled' });
    expect(rekeyed.status).toBe(200);

    // The registry's events name the admin who revoked and re-keyed.
    const { jsm, topology } = platform.bus;
    const info = await jsm.streams.info(topology.streams.events);
    const actors: Record<string, string> = {};
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(topology.streams.events, { seq }).catch(() => undefined);
      const e = m?.json<{ type: string; subject: string; meta: { actor: string } }>();
      if (e?.subject === 'identity.gw-enrolled') actors[e.type] = e.meta.actor;
    }
    expect(actors).toMatchObject({ 'identity.revoked': 'user:admin', 'identity.rekey_allowed': 'user:admin' });

    const audit = await platform.getJson<{ items: { action: string; actor: string }[] }>(
      'gateway',
      '/api/v1/audit?actor=user:admin',
    );
    expect(audit.body.items.map((i) => i.action)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/enrollment-tokens',
        'POST /api/v1/nodes/:id/revoke',
        'POST /api/v1/nodes/:id/rekey',
      ]),
    );
    expect(JSON.stringify(audit.body)).not.toContain(token);
  });

  /** The CLI, logged in (its own session folder) as the first admin. */
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-tokens-'));
  const vigil = (...args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, 'tools/vigil/vigil.js'), ...args], {
      env: { ...process.env, XDG_CONFIG_HOME: dir, VIGIL_PASSWORD: '' },
      encoding: 'utf8',
      input: '',
    });
  const json = <T>(r: { stdout: string; stderr: string; status: number | null }): T => {
    expect([r.status, r.stderr]).toEqual([0, '']);
    return JSON.parse(r.stdout) as T;
  };
  const list = (...args: string[]) =>
    json<{ items: EnrollmentTokenView[]; total: number }>(vigil('tokens', 'list', ...args));
  const created = (r: { stdout: string; status: number | null; stderr: string }) => {
    expect([r.status, r.stderr]).toEqual([0, '']);
    const [token, , about] = r.stdout.split('\n');
    return { token, tokenId: /Enrollment token (\S+) for node/.exec(about)![1] };
  };

  it('lists tokens without their secret (unused, used, expired, revoked) and a revoked token enrolls nothing', async () => {
    const pw = join(dir, 'admin-pw');
    writeFileSync(pw, `${testGatewayAuth.adminPassword}\n`);
    expect(vigil('login', '--url', platform.url('gateway', ''), '--password-file', pw).status).toBe(0);

    const toRevoke = created(vigil('tokens', 'create', '--node', 'tok-revoked', '--ttl', '600', '--note', 'rack 9'));
    const toUse = created(vigil('tokens', 'create', '--node', 'tok-used'));
    const toExpire = created(vigil('tokens', 'create', '--node', 'tok-expired', '--ttl', '60'));
    const unused = created(vigil('tokens', 'create', '--node', 'tok-unused'));

    // Spent by an enrollment, and one whose time ran out (its hour moved back, as an hour passing would).
    const { publicKey } = generateKeyPairSync('ed25519');
    await requestQuery(
      platform.bus.nc,
      platform.bus.topology,
      identityCommands.enroll,
      { token: toUse.token, nodeId: 'tok-used', publicKey: encodePublicKey(publicKey), hostname: 'h' },
      10_000,
    );
    const pg = new Client({ connectionString: platform.db.url });
    await pg.connect();
    await pg.query(`UPDATE registry.enrollment_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      toExpire.tokenId,
    ]);
    await pg.end();

    const revoked = json<EnrollmentTokenView>(vigil('tokens', 'revoke', toRevoke.tokenId));
    expect(revoked).toMatchObject({ id: toRevoke.tokenId, state: 'revoked', revokedBy: 'user:admin' });
    // Only an unused token can be revoked: a used, an expired or a revoked one is a conflict.
    for (const id of [toUse.tokenId, toExpire.tokenId, toRevoke.tokenId]) {
      const again = vigil('tokens', 'revoke', id);
      expect([again.status, again.stderr]).toEqual([1, expect.stringMatching(/^vigil tokens: 409: /)]);
    }
    expect(vigil('tokens', 'revoke', '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').stderr).toMatch(/404: .*does not exist/);

    const all = list();
    const ours = (items: EnrollmentTokenView[]) => items.map((t) => t.nodeId).filter((n) => n?.startsWith('tok-'));
    const byNode = Object.fromEntries(all.items.map((t) => [t.nodeId, t]));
    expect(all.total).toBe(all.items.length);
    expect(byNode['tok-revoked']).toMatchObject({ state: 'revoked', note: 'rack 9', createdBy: 'user:admin' });
    expect(byNode['tok-used']).toMatchObject({ state: 'used', usedByNode: 'tok-used', usedAt: expect.any(String) });
    expect(byNode['tok-expired']).toMatchObject({ state: 'expired', usedAt: null, revokedAt: null });
    expect(byNode['tok-unused']).toMatchObject({ id: unused.tokenId, state: 'unused', createdBy: 'user:admin' });
    // Newest first; no token (nor its hash) in the list.
    expect(ours(all.items)).toEqual(['tok-unused', 'tok-expired', 'tok-used', 'tok-revoked']);
    const text = JSON.stringify(all);
    for (const t of [toRevoke, toUse, toExpire, unused]) expect(text).not.toContain(t.token);
    expect(Object.keys(all.items[0]).sort()).toEqual(
      [
        'createdAt',
        'createdBy',
        'expiresAt',
        'id',
        'nodeId',
        'note',
        'revokedAt',
        'revokedBy',
        'state',
        'usedAt',
        'usedByNode',
      ].sort(),
    );
    expect(list('--state', 'expired').items.map((t) => t.nodeId)).toEqual(['tok-expired']);
    expect(list('--state', 'unused', '--limit', '1')).toMatchObject({ total: 1, items: [{ nodeId: 'tok-unused' }] });
    const badState = await platform.gatewayFetch('/api/v1/enrollment-tokens?state=lost');
    expect(badState.status).toBe(400);
    expect(((await badState.json()) as { detail: string }).detail).toMatch(/state/);

    // The real agent, with the revoked token: refused, and it stops saying why.
    const refusedDir = mkdtempSync(join(tmpdir(), 'vigil-agent-'));
    const refused = platform.startAgent(refusedDir, {
      VIGIL_AGENT_ENROLLMENT_TOKEN: toRevoke.token,
      VIGIL_AGENT_NODE_ID: 'tok-revoked',
      VIGIL_AGENT_HOSTNAME: 'revoked-host',
    });
    expect(await refused.waitExit()).not.toBe(0);
    expect(refused.lines.join('\n')).toMatch(/enrollment refused: enrollment token revoked/);

    // A fresh token for the same node enrolls it, and its signed heartbeats bring it online.
    const fresh = created(vigil('tokens', 'create', '--node', 'tok-revoked'));
    const agentDir = mkdtempSync(join(tmpdir(), 'vigil-agent-'));
    platform.startAgent(agentDir, {
      VIGIL_AGENT_ENROLLMENT_TOKEN: fresh.token,
      VIGIL_AGENT_NODE_ID: 'tok-revoked',
      VIGIL_AGENT_HOSTNAME: 'revoked-host',
    });
    await eventually(
      async () => {
        const enrolled = (() => {
          try {
            return JSON.parse(readFileSync(join(agentDir, 'credentials.json'), 'utf8')).enrolledAt;
          } catch {
            return undefined;
          }
        })();
        if (!enrolled) return false;
        const node = await requestQuery(
          platform.bus.nc,
          platform.bus.topology,
          registryQueries.getNode,
          { nodeId: 'tok-revoked' },
          5000,
        ).catch(() => undefined);
        return node?.status === 'online';
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'the node enrolled with a fresh token, online' },
    );
    expect(ours(list('--state', 'used').items)).toEqual(['tok-revoked', 'tok-used']);

    const audit = await platform.getJson<{ items: { action: string; target: string }[] }>(
      'gateway',
      '/api/v1/audit?actor=user:admin&action=DELETE%20/api/v1/enrollment-tokens/:id',
    );
    expect(audit.body.items.map((i) => i.target)).toContain(`/api/v1/enrollment-tokens/${toRevoke.tokenId}`);
  });
});
