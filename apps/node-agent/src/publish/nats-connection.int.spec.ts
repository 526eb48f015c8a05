import { rmSync } from 'node:fs';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { createTopology } from '@vigil/contracts';
import { createLogger } from '@vigil/telemetry';
import {
  AuthNatsServer,
  createTestCertificates,
  requireTool,
  type TestCertificates,
  uniqueId,
} from '@vigil/test-support';
import { NatsConnector, natsConnectionOptions, type NatsTarget } from './nats-connection';

jest.setTimeout(60_000);

const logger = createLogger({ service: 'node-agent', level: 'silent' });
const natsServer = requireTool('nats-server', 'nats-server');
const describeWithServer = natsServer ? describe : describe.skip;

/** The agent's connection over TLS, verifying the server against the CA it is given. */
describeWithServer('the agent over TLS with its own NATS user', () => {
  const topology = createTopology(uniqueId(), 4);
  let trusted: TestCertificates;
  let other: TestCertificates;
  let server: AuthNatsServer;
  let target: NatsTarget;

  beforeAll(async () => {
    trusted = createTestCertificates('vigil-trusted');
    other = createTestCertificates('vigil-other');
    server = await new AuthNatsServer(topology, {
      tls: trusted,
    }).start();
    await server.provision();
    target = {
      url: server.url,
      credentials: { user: 'agent', pass: server.passwords.agent },
      caFile: trusted.caFile,
    };
  });
  afterAll(async () => {
    await server?.stop();
    for (const c of [trusted, other]) if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  it('connects when the server certificate chains to the CA, publishes a heartbeat and reads its config', async () => {
    const connector = new NatsConnector(target, logger);
    const nc = await connector.connected;
    try {
      expect(nc.info?.tls_required).toBe(true);
      const ack = await jetstream(nc).publish(topology.subjects.heartbeat('n1'), '{}');
      expect(ack.stream).toBe(topology.streams.telemetry);
      const kv = await new Kvm(nc).create(topology.buckets.agentConfig);
      expect(await kv.get('node.n1')).toBeNull();
    } finally {
      await connector.close(logger);
    }
  });

  // With the agent's own options, once: the agent itself retries forever (and nats.js cannot
  // cancel a first connect in progress, which would outlive the test).
  it('refuses a server whose certificate another CA signed', async () => {
    const options = { ...natsConnectionOptions({ ...target, caFile: other.caFile }), waitOnFirstConnect: false };
    await expect(connect({ ...options, maxReconnectAttempts: 0, reconnect: false })).rejects.toThrow(
      /certificate|self.signed|verify/i,
    );
  });

  it('refuses the server when no CA is given: the system CAs do not know it', async () => {
    await expect(
      connect({ servers: server.url, user: 'agent', pass: server.passwords.agent, reconnect: false }),
    ).rejects.toThrow(/certificate|self.signed|verify/i);
  });
});
