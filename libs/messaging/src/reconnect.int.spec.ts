import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { createTopology } from '@vigil/contracts';
import { createLogger } from '@vigil/telemetry';
import { AuthNatsServer, eventually, sleep, uniqueId } from '@vigil/test-support';
import { Counter, Histogram, Registry } from 'prom-client';
import { DeadLetters } from './dlq';
import { JetStreamWorker } from './worker';

jest.setTimeout(90_000);

/**
 * registry-svc's durable heartbeat consumer across a nats-server restart whose JetStream comes
 * back late (first without it, then with it). nats.js on its own retries the consumer after the
 * pull's expiry (30 s); with `closeOnReconnect` the worker pulls again within its 1-s retry.
 */
describe('JetStreamWorker after a NATS restart', () => {
  const topology = createTopology(uniqueId(), 4);
  let server: AuthNatsServer;
  let nc: NatsConnection;
  let admin: NatsConnection;
  let worker: JetStreamWorker | undefined;

  beforeEach(async () => {
    server = await new AuthNatsServer(topology).start();
    await server.provision();
    nc = await server.connect('registry-svc');
    admin = await server.connect('admin');
  });
  afterEach(async () => {
    await worker?.stop();
    await nc.close();
    await admin.close();
    await server.stop();
  });

  it('takes the messages stored after JetStream came back within seconds', async () => {
    const registry = new Registry();
    const js = jetstream(nc);
    const seen: string[] = [];
    worker = new JetStreamWorker(
      {
        js,
        nc,
        jsm: await jetstreamManager(nc),
        logger: createLogger({ service: 'reconnect-test', level: 'silent' }),
        dlq: new DeadLetters(
          js,
          topology,
          'registry-svc',
          new Counter({ name: 'p', help: 'p', labelNames: ['service', 'reason'], registers: [registry] }),
        ),
        messages: new Counter({ name: 'm', help: 'm', labelNames: ['subject', 'result'], registers: [registry] }),
        duration: new Histogram({ name: 'd', help: 'd', labelNames: ['subject'], registers: [registry] }),
      },
      {
        stream: topology.streams.telemetry,
        durable: topology.consumers.registryHeartbeats,
        filterSubject: topology.subjects.allHeartbeats(),
        subjectPattern: 'telemetry.heartbeat.*',
      },
      async (m) => {
        seen.push(m.string());
      },
    );
    await worker.start();
    const ajs = jetstream(admin);
    await ajs.publish(topology.subjects.heartbeat('n1'), 'before');
    await eventually(() => seen.includes('before'), { what: 'the first message' });

    await server.kill();
    await server.start({ jetstream: false });
    await sleep(4000);
    await server.kill();
    await server.start();
    await eventually(
      async () => {
        await ajs.publish(topology.subjects.heartbeat('n1'), 'after');
        return true;
      },
      { timeoutMs: 20_000, what: 'publishing after the restart' },
    );
    const stored = Date.now();
    await eventually(() => seen.includes('after'), { timeoutMs: 60_000, intervalMs: 50, what: 'the message after' });
    const tookMs = Date.now() - stored;
    expect(tookMs).toBeLessThan(3_000);
  });
});
