import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { createTopology, deleteStreams, ensureStreams, type Topology } from '@vigil/contracts';
import { testUrls, uniqueId } from './env';
import type { AuthNatsServer } from './nats-server';

export interface TestBus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  topology: Topology;
  close(): Promise<void>;
}

/** A NATS connection and a topology with its own prefix; `close()` deletes the test's streams. */
export async function createTestBus(partitions = 4): Promise<TestBus> {
  const nc = await connect({ servers: testUrls.nats, name: 'vigil-test' });
  const jsm = await jetstreamManager(nc);
  const topology = createTopology(uniqueId(), partitions);
  await ensureStreams(jsm, topology, {
    telemetryMaxAgeMs: 3600_000,
    telemetryMaxBytes: 256 * 1024 ** 2,
    dlqMaxAgeMs: 3600_000,
    duplicateWindowMs: 120_000,
    replicas: 1,
  });
  return {
    nc,
    js: jetstream(nc),
    jsm,
    topology,
    async close() {
      await deleteStreams(jsm, topology);
      await nc.drain();
    },
  };
}

/**
 * A TestBus on a server with authorization, connected as `admin` (the test sees and writes
 * everything; the processes under test connect as themselves). Provisions the streams and the
 * agent-config bucket as `npm start` does; they go when the server is stopped.
 */
export async function createAuthTestBus(server: AuthNatsServer): Promise<TestBus> {
  await server.provision();
  const nc = await server.connect('admin');
  return {
    nc,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    topology: server.topology,
    close: () => nc.drain(),
  };
}
