// npm test may run this suite beside another one: the bounds it asserts are not times (tools/test/run-tests.js).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers } from '@nats-io/nats-core';
import {
  DlqHeaders,
  encodePublicKey,
  type Heartbeat,
  heartbeatMessage,
  identityCommands,
  type NodeView,
  registryQueries,
  securityEvents,
  signMessage,
  type QueryDefinition,
  CreateEnrollmentTokenRequest,
  EnrollRequest,
  RekeyNodeRequest,
  RevokeNodeRequest,
  type z,
} from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(60_000);

const readFileSafe = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** Enrollment, signed messages, forged ones refused, revocation: a node can speak only for itself. */
describe('node identity', () => {
  const platform = new TestPlatform();
  const ask = <Req extends z.ZodType, Rep extends z.ZodType>(def: QueryDefinition<Req, Rep>, req: z.input<Req>) =>
    requestQuery(platform.bus.nc, platform.bus.topology, def, req, 10_000);
  const rpc = {
    createEnrollmentToken: (req: z.input<typeof CreateEnrollmentTokenRequest>) =>
      ask(identityCommands.createEnrollmentToken, req),
    enroll: (req: z.input<typeof EnrollRequest>) => ask(identityCommands.enroll, req),
    revokeNode: (req: z.input<typeof RevokeNodeRequest>) => ask(identityCommands.revokeNode, req),
    rekeyNode: (req: z.input<typeof RekeyNodeRequest>) => ask(identityCommands.rekeyNode, req),
  };

  beforeAll(async () => {
    await platform.setup();
    await platform.startRegistry();
  });
  afterAll(() => platform.teardown());

  const keys = generateKeyPairSync('ed25519');
  const thief = generateKeyPairSync('ed25519');
  let seq = 0;

  async function heartbeat(nodeId: string, key?: typeof keys.privateKey): Promise<void> {
    const hb: Heartbeat = {
      nodeId,
      seq: ++seq,
      sentAt: new Date().toISOString(),
      hostname: `host-${nodeId}`,
      agentVersion: 'test',
      uptimeSeconds: seq,
      intervalMs: 1000,
      labels: {},
    };
    const m = heartbeatMessage(platform.bus.topology, hb, 'boot');
    const h = headers();
    if (key) {
      const signed = signMessage(key, m, { signedAt: Date.now(), boot: 1, seq });
      for (const [name, value] of Object.entries(signed)) h.set(name, value);
    }
    await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId, headers: h });
  }

  const node = (id: string): Promise<NodeView | undefined> =>
    requestQuery(platform.bus.nc, platform.bus.topology, registryQueries.getNode, { nodeId: id }, 5000).catch(
      () => undefined,
    );

  async function parkedReasons(): Promise<string[]> {
    const { jsm, topology } = platform.bus;
    const info = await jsm.streams.info(topology.streams.dlq);
    const out: string[] = [];
    for (let s = info.state.first_seq; info.state.messages > 0 && s <= info.state.last_seq; s++) {
      const m = await jsm.streams.getMessage(topology.streams.dlq, { seq: s });
      if (m) out.push(m.header.get(DlqHeaders.reason));
    }
    return out;
  }

  it('enrolls with a one-time token, then accepts only messages signed by the node key', async () => {
    const { token, nodeId: bound } = await rpc.createEnrollmentToken({ ttlSeconds: 600, nodeId: 'sec1' });
    expect(bound).toBe('sec1');
    await expect(
      rpc.enroll({ token: 'x'.repeat(40), nodeId: 'sec1', publicKey: encodePublicKey(keys.publicKey), hostname: 'h' }),
    ).rejects.toThrow(/unknown enrollment token/);
    const enrolled = await rpc.enroll({
      token,
      nodeId: 'sec1',
      publicKey: encodePublicKey(keys.publicKey),
      hostname: 'host-sec1',
    });
    expect(enrolled.nodeId).toBe('sec1');
    // The same agent retrying is fine; the token cannot enroll anything else.
    await rpc.enroll({ token, nodeId: 'sec1', publicKey: encodePublicKey(keys.publicKey), hostname: 'host-sec1' });
    await expect(
      rpc.enroll({ token, nodeId: 'sec2', publicKey: encodePublicKey(thief.publicKey), hostname: 'h' }),
    ).rejects.toThrow(/bound to another node/);
    // Nor another key for the node it enrolled.
    await expect(
      rpc.enroll({ token, nodeId: 'sec1', publicKey: encodePublicKey(thief.publicKey), hostname: 'h' }),
    ).rejects.toThrow(/already used/);

    await heartbeat('sec1', keys.privateKey);
    await eventually(async () => (await node('sec1'))?.status === 'online', {
      what: 'the signed heartbeat to register sec1',
    });

    await heartbeat('sec1', thief.privateKey);
    await heartbeat('sec1');
    const reasons = await eventually(async () => ((await parkedReasons()).length >= 2 ? parkedReasons() : undefined), {
      what: 'two parked forgeries',
    });
    expect(reasons).toEqual([
      expect.stringMatching(/^identity_mismatch: bad_signature: signature does not match node sec1's key/),
      expect.stringMatching(/^identity_mismatch: unsigned: /),
    ]);

    const { js, topology } = platform.bus;
    const consumer = await js.consumers.get(topology.streams.events, {
      filter_subjects: topology.subjects.events('security', 'sec1'),
    });
    const violations: string[] = [];
    const iter = await consumer.consume();
    for await (const m of iter) {
      violations.push(securityEvents.read(m.json()).data.reason);
      if (m.info.pending === 0) break;
    }
    await iter.close();
    expect(violations).toEqual(['bad_signature', 'unsigned']);
    const metrics = await (await fetch(platform.url('registry-svc', '/metrics'))).text();
    expect(metrics).toMatch(/vigil_security_violations_total\{[^}]*reason="bad_signature"[^}]*\} 1/);
  });

  it('refuses an agent that never enrolled claiming a node id bound to another token', async () => {
    const { token } = await rpc.createEnrollmentToken({ nodeId: 'bound1' });
    // The thief has a token of its own (for another node), and the bound node's id.
    const { token: other } = await rpc.createEnrollmentToken({ nodeId: 'elsewhere' });
    await expect(
      rpc.enroll({ token: other, nodeId: 'bound1', publicKey: encodePublicKey(thief.publicKey), hostname: 'h' }),
    ).rejects.toThrow(/bound to another node/);
    const own = await rpc.enroll({
      token,
      nodeId: 'bound1',
      publicKey: encodePublicKey(keys.publicKey),
      hostname: 'h',
    });
    expect(own.nodeId).toBe('bound1');
    // Tokens live an hour unless asked, a day at most.
    await expect(rpc.createEnrollmentToken({ ttlSeconds: 7 * 24 * 3600 })).rejects.toThrow(/ttlSeconds/);
    const issued = await rpc.createEnrollmentToken({});
    expect(Date.parse(issued.expiresAt) - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(issued.nodeId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('re-enrolls a node with another key only after an admin re-key, once', async () => {
    const { token } = await rpc.createEnrollmentToken({ nodeId: 'rekey1' });
    await rpc.enroll({ token, nodeId: 'rekey1', publicKey: encodePublicKey(keys.publicKey), hostname: 'h' });
    const fresh = generateKeyPairSync('ed25519');
    const { token: second } = await rpc.createEnrollmentToken({ nodeId: 'rekey1' });
    await expect(
      rpc.enroll({ token: second, nodeId: 'rekey1', publicKey: encodePublicKey(fresh.publicKey), hostname: 'h' }),
    ).rejects.toThrow(/already enrolled with another key \(an admin must re-key it first\)/);
    await rpc.rekeyNode({ nodeId: 'rekey1', reason: 'host reinstalled' });
    await rpc.enroll({ token: second, nodeId: 'rekey1', publicKey: encodePublicKey(fresh.publicKey), hostname: 'h' });
    const { token: third } = await rpc.createEnrollmentToken({ nodeId: 'rekey1' });
    await expect(
      rpc.enroll({ token: third, nodeId: 'rekey1', publicKey: encodePublicKey(thief.publicKey), hostname: 'h' }),
    ).rejects.toThrow(/already enrolled with another key/);
    await expect(rpc.rekeyNode({ nodeId: 'never-enrolled', reason: 'x' })).rejects.toThrow(/no key to replace/);
  });

  it('refuses a revoked node from then on', async () => {
    await rpc.revokeNode({ nodeId: 'sec1', reason: 'host decommissioned after compromise' });
    await eventually(
      async () => {
        await heartbeat('sec1', keys.privateKey);
        const reasons = await parkedReasons();
        return reasons.some((r) => /revoked: node sec1 is revoked/.test(r));
      },
      { timeoutMs: 15_000, intervalMs: 500, what: 'a signed heartbeat of the revoked node to be refused' },
    );
    const { token } = await rpc.createEnrollmentToken({ ttlSeconds: 600, nodeId: 'sec1' });
    await expect(
      rpc.enroll({ token, nodeId: 'sec1', publicKey: encodePublicKey(keys.publicKey), hostname: 'h' }),
    ).rejects.toThrow(/revoked/);
  });

  it('a real agent enrolls with its token and its signed messages are accepted', async () => {
    // The registry issues the node id the token is bound to; the agent runs as it.
    const { token, nodeId } = await rpc.createEnrollmentToken({ ttlSeconds: 600 });
    const stateDir = mkdtempSync(join(tmpdir(), 'vigil-agent-'));
    platform.startAgent(stateDir, {
      VIGIL_AGENT_ENROLLMENT_TOKEN: token,
      VIGIL_AGENT_NODE_ID: nodeId,
      VIGIL_AGENT_HOSTNAME: 'enrolled-host',
    });
    const credentials = await eventually(
      () => {
        const text = readFileSafe(join(stateDir, 'credentials.json'));
        return text && JSON.parse(text).enrolledAt ? JSON.parse(text) : undefined;
      },
      { timeoutMs: 15_000, what: 'the agent to enroll' },
    );
    expect(statSync(join(stateDir, 'credentials.json')).mode & 0o777).toBe(0o600);
    const online = await eventually(
      async () => ((await node(credentials.nodeId))?.status === 'online' ? node(credentials.nodeId) : undefined),
      {
        timeoutMs: 15_000,
        what: 'the enrolled agent online',
      },
    );
    expect(online?.hostname).toBe('enrolled-host');
    // Enrolled nodes' unsigned messages are refused, so being online proves the signatures verify.
    await heartbeat(credentials.nodeId);
    await eventually(
      async () => (await parkedReasons()).some((r) => r.includes(`unsigned: node ${credentials.nodeId} is enrolled`)),
      {
        what: 'an unsigned message in the enrolled node’s name to be refused',
      },
    );
  });
});
