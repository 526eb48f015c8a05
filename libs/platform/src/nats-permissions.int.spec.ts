import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  createTopology,
  deleteStreams,
  enrollmentTokenCommands,
  ensureStreams,
  identityCommands,
  MissingStreamError,
  type NatsIdentity,
  type NatsRespondingIdentity,
  nodeEvents,
  streamDefinitions,
  type QueryDefinition,
  type Topology,
  z,
} from '@vigil/contracts';
import { requestQuery, serveQuery } from '@vigil/messaging';
import { EventStore } from '@vigil/event-store';
import { createLogger } from '@vigil/telemetry';
import { AuthNatsServer, requireTool, uniqueId } from '@vigil/test-support';
import { loadConfig } from './config';
import { Bus, Observability, rpcServerDeps } from './infra';

jest.setTimeout(60_000);

const meta = { correlationId: 'c1', causationId: null, actor: 'service:test' };
const registered = (nodeId: string) =>
  ({ type: 'node.registered', data: { nodeId, hostname: 'h', labels: {}, agentVersion: '1' } }) as const;
const REFUSED = /Permissions Violation/i;

/** Every message of `subject` in `stream`, read through an ordered consumer as the services read. */
async function readAll(nc: NatsConnection, stream: string, subject: string): Promise<string[]> {
  const consumer = await jetstream(nc).consumers.get(stream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.All,
  });
  const out: string[] = [];
  for (let m = await consumer.next({ expires: 1000 }); m; m = m.info.pending ? await consumer.next() : null) {
    out.push(m.subject);
  }
  return out;
}

/** A durable pull consumer as PullWorker makes one: created, read, acked. */
async function consumeDurable(nc: NatsConnection, stream: string, durable: string, filter: string) {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(stream, { durable_name: durable, filter_subject: filter, ack_policy: AckPolicy.Explicit });
  await jsm.consumers.info(stream, durable);
  const consumer = await jetstream(nc).consumers.get(stream, durable);
  const m = await consumer.next({ expires: 2000 });
  if (!m) throw new Error(`nothing to read on ${filter}`);
  await m.ackAck();
  return m.subject;
}

const natsServer = requireTool('nats-server', 'nats-server');
const describeWithServer = natsServer ? describe : describe.skip;

describeWithServer('NATS with authorization: each identity may do its own job and nothing else', () => {
  let server: AuthNatsServer;
  let t: Topology;
  const connections: NatsConnection[] = [];
  const as = async (identity: NatsIdentity) => {
    const nc = await server.connect(identity);
    connections.push(nc);
    return nc;
  };
  const responder = async (identity: NatsRespondingIdentity) => {
    const nc = await server.connectResponder(identity);
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    t = createTopology(uniqueId(), 4);
    server = await new AuthNatsServer(t).start();
    await server.provision();
  });
  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await server?.stop();
  });

  describe('refused', () => {
    it('a connection without credentials, or with a wrong password', async () => {
      await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/Authorization/i);
      await expect(
        connect({ servers: server.url, user: 'gateway', pass: 'not-the-password', reconnect: false }),
      ).rejects.toThrow(/Authorization/i);
    });

    it('an agent publishing a domain event, or writing its config', async () => {
      const nc = await as('agent');
      await expect(jetstream(nc).publish(t.subjects.events('identity', 'x'), '{}')).rejects.toThrow(REFUSED);
      const kv = await new Kvm(nc).create(t.buckets.agentConfig);
      await expect(kv.put('fleet', '{}')).rejects.toThrow(REFUSED);
      await expect(jetstream(nc).consumers.get(t.streams.events)).rejects.toThrow(REFUSED);
    });

    it("an agent asking for the enrollment tokens, making or revoking one, or revoking a node (the gateway's commands)", async () => {
      const registry = await responder('registry-svc');
      const answered: string[] = [];
      const answer = (_e: unknown, m: { subject: string; respond(data: string): boolean }) => {
        answered.push(m.subject);
        m.respond('{}');
      };
      // Unsubscribed at the end: a later test's registry answers the same subjects.
      const subs = [
        registry.subscribe(t.subjects.cmd('registry', '*'), { callback: answer }),
        registry.subscribe(t.subjects.qry('registry', '*'), { callback: answer }),
      ];
      await registry.flush();
      const agent = await as('agent');
      const gateway = await as('gateway');
      const asks = [
        enrollmentTokenCommands.listEnrollmentTokens,
        enrollmentTokenCommands.revokeEnrollmentToken,
        identityCommands.createEnrollmentToken,
        identityCommands.revokeNode,
      ].map((def) => (def.kind === 'cmd' ? t.subjects.cmd : t.subjects.qry)(def.context, def.what));
      for (const subject of asks)
        await expect(agent.request(subject, '{}', { timeout: 1000 })).rejects.toThrow(/Permissions Violation|TIMEOUT/i);
      expect(answered).toEqual([]);
      // The same asks from the gateway are answered.
      for (const subject of asks) await gateway.request(subject, '{}', { timeout: 2000 });
      expect(answered).toEqual(asks);
      for (const sub of subs) sub.unsubscribe();
      await registry.flush();
    });

    it("a service's stream reader answering requests, or its responder reading a stream, appending or replying unasked", async () => {
      const reader = await as('registry-svc');
      const gateway = await as('gateway');
      const forged: string[] = [];
      const inbox = gateway.subscribe('_INBOX_gateway.forged', { callback: (_e, m) => void forged.push(m.string()) });
      await gateway.flush();
      // The reader may not take the registry's requests (its subscription is refused) …
      const taken = reader.subscribe(t.subjects.qry('registry', 'forged'), {
        callback: (e, m) => void (e ? undefined : m.respond('by the reader')),
      });
      await reader.flush();
      await expect(gateway.request(t.subjects.qry('registry', 'forged'), '{}', { timeout: 1000 })).rejects.toThrow(
        /no responders|503|TIMEOUT/i,
      );
      // … nor publish to the gateway's inbox.
      reader.publish('_INBOX_gateway.forged', 'by the reader');
      await reader.flush();
      const rpc = await responder('registry-svc');
      await expect(
        jetstream(rpc).publish(t.subjects.events('node', 'forged'), '{}', { timeout: 1000 }),
      ).rejects.toThrow(/Permissions Violation|TIMEOUT|no responders/i);
      await expect(jetstream(rpc).consumers.get(t.streams.telemetry)).rejects.toThrow(
        /Permissions Violation|TIMEOUT|no responders/i,
      );
      rpc.publish('_INBOX_gateway.forged', 'by the responder');
      await rpc.flush();
      await gateway.flush();
      await new Promise((r) => setTimeout(r, 200));
      expect(forged).toEqual([]);
      taken.unsubscribe();
      inbox.unsubscribe();
    });

    it('the gateway purging or deleting a stream, or appending an event', async () => {
      const nc = await as('gateway');
      const jsm = await jetstreamManager(nc);
      await expect(jsm.streams.purge(t.streams.events)).rejects.toThrow(REFUSED);
      await expect(jsm.streams.delete(t.streams.events)).rejects.toThrow(REFUSED);
      await expect(jsm.streams.delete(t.streams.telemetry)).rejects.toThrow(REFUSED);
      await expect(jetstream(nc).publish(t.subjects.events('node', 'n1'), '{}')).rejects.toThrow(REFUSED);
    });

    it("metrics-svc appending a node event (registry-svc's), or deleting a stream", async () => {
      const nc = await as('metrics-svc');
      const store = new EventStore(jetstream(nc), await jetstreamManager(nc), t, 'node', nodeEvents);
      await expect(store.append('m1', [registered('m1')], 'any', meta)).rejects.toThrow(REFUSED);
      await expect((await jetstreamManager(nc)).streams.delete(t.streams.dlq)).rejects.toThrow(REFUSED);
    });

    it('every service creating, updating or purging a stream', async () => {
      for (const identity of ['registry-svc', 'alert-svc', 'backup-svc'] as const) {
        const jsm = await jetstreamManager(await as(identity));
        await expect(jsm.streams.add({ name: `${t.streams.events}_X`, subjects: ['x.>'] })).rejects.toThrow(REFUSED);
        await expect(jsm.streams.update(t.streams.dlq, { max_age: 0 })).rejects.toThrow(REFUSED);
        await expect(jsm.streams.purge(t.streams.telemetry)).rejects.toThrow(REFUSED);
      }
    });

    it('purging EVENTS even as admin: the stream denies purges and message deletes', async () => {
      const jsm = await jetstreamManager(await as('admin'));
      const info = await jsm.streams.info(t.streams.events);
      expect({ deny_purge: info.config.deny_purge, deny_delete: info.config.deny_delete }).toEqual({
        deny_purge: true,
        deny_delete: true,
      });
      await expect(jsm.streams.purge(t.streams.events)).rejects.toThrow(/purge/i);
    });
  });

  describe('allowed', () => {
    it('registry-svc appends and reads its own events, and reads heartbeats with its durable consumer', async () => {
      const nc = await as('registry-svc');
      const store = new EventStore(jetstream(nc), await jetstreamManager(nc), t, 'node', nodeEvents);
      await store.append('r1', [registered('r1')], 0, meta);
      expect((await store.read('r1')).events.map((e) => e.type)).toEqual(['node.registered']);

      const agent = await as('agent');
      await jetstream(agent).publish(t.subjects.heartbeat('r1'), '{}', { msgID: uniqueId() });
      expect(await consumeDurable(nc, t.streams.telemetry, 'registry-heartbeats', t.subjects.allHeartbeats())).toBe(
        t.subjects.heartbeat('r1'),
      );
      await jetstream(nc).publish(t.subjects.dlq('registry-svc'), '{}');
    });

    it('metrics-svc appends security and metrics events and reads sample partitions', async () => {
      const nc = await as('metrics-svc');
      const js = jetstream(nc);
      await js.publish(t.subjects.events('security', 'm1'), '{}');
      await js.publish(t.subjects.events('metrics', 'm1'), '{}');
      await jetstream(await as('agent')).publish(t.subjects.samples(1, 'm1'), '{}');
      expect(await consumeDurable(nc, t.streams.telemetry, 'metrics-p1', t.subjects.samplesOfPartition(1))).toBe(
        t.subjects.samples(1, 'm1'),
      );
      expect(await readAll(nc, t.streams.events, t.subjects.eventsOf('node'))).toContain(
        t.subjects.events('node', 'r1'),
      );
    });

    it('alert-svc appends rule, alert and silence events and reads samples with ordered consumers', async () => {
      const nc = await as('alert-svc');
      const js = jetstream(nc);
      for (const context of ['rule', 'alert', 'silence'] as const)
        await js.publish(t.subjects.events(context, 'a1'), '{}');
      expect(await readAll(nc, t.streams.telemetry, t.subjects.allSamples())).toContain(t.subjects.samples(1, 'm1'));
      expect(await readAll(nc, t.streams.events, t.subjects.eventsOf('rule'))).toEqual([
        t.subjects.events('rule', 'a1'),
      ]);
    });

    it('backup-svc appends backup events', async () => {
      await jetstream(await as('backup-svc')).publish(t.subjects.events('backup', 'b1'), '{}');
    });

    it("the gateway asks a service, whose responder answers on the gateway's inbox", async () => {
      const registry = await responder('registry-svc');
      const sub = registry.subscribe(t.subjects.qry('registry', '*'), { callback: (_e, m) => void m.respond('pong') });
      await registry.flush();
      const reply = await (await as('gateway')).request(t.subjects.qry('registry', 'ping'), 'ping', { timeout: 2000 });
      expect(reply.string()).toBe('pong');
      sub.unsubscribe();
    });

    it("the gateway follows one node's sample batches with a core subscription (live API), but no other telemetry or event subject", async () => {
      const gateway = await as('gateway');
      const seen: string[] = [];
      const samples = gateway.subscribe(t.subjects.samples(2, 'live1'), {
        callback: (_e, m) => void seen.push(m.subject),
      });
      await gateway.flush();
      await jetstream(await as('agent')).publish(t.subjects.samples(2, 'live1'), '{}');
      for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual([t.subjects.samples(2, 'live1')]);
      samples.unsubscribe();
      // Its event topics: an ordered consumer on a context, and a resumption's named ephemeral consumer.
      expect(await readAll(gateway, t.streams.events, t.subjects.eventsOf('node'))).toContain(
        t.subjects.events('node', 'r1'),
      );
      const replay = await (
        await jetstreamManager(gateway)
      ).consumers.add(t.streams.events, {
        name: `live_${uniqueId()}`,
        filter_subject: t.subjects.eventsOf('node'),
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: 1,
        ack_policy: AckPolicy.None,
        mem_storage: true,
        inactive_threshold: 30_000_000_000,
      });
      expect(replay.num_pending).toBeGreaterThan(0);
      const first = await (
        await jetstream(gateway).consumers.get(t.streams.events, replay.name)
      ).next({ expires: 2000 });
      expect(first?.subject).toBe(t.subjects.events('node', 'r1'));
      for (const subject of [t.subjects.heartbeat('live1'), t.subjects.eventsOf('node'), t.subjects.allSamples()]) {
        const refused = await as('gateway');
        const errors: string[] = [];
        const sub = refused.subscribe(subject, { callback: (e) => void (e && errors.push(e.message)) });
        await refused.flush();
        await new Promise((r) => setTimeout(r, 200));
        expect([subject, sub.isClosed() || errors.some((m) => REFUSED.test(m))]).toEqual([subject, true]);
      }
    });

    it('an agent publishes telemetry and reads (and follows) the fleet and its own config keys', async () => {
      const admin = await new Kvm(await as('admin')).open(t.buckets.agentConfig);
      await admin.put('fleet', '{"version":"f1"}');
      const nc = await as('agent');
      const js = jetstream(nc);
      await js.publish(t.subjects.heartbeat('n1'), '{}');
      await js.publish(t.subjects.inventory('n1'), '{}');
      await js.publish(t.subjects.agentEvents('n1'), '{}');
      const kv = await new Kvm(nc).create(t.buckets.agentConfig);
      expect((await kv.get('fleet'))?.string()).toBe('{"version":"f1"}');
      expect(await kv.get('node.n1')).toBeNull();
      const watch = await kv.watch({ key: 'node.n1' });
      await admin.put('node.n1', '{"version":"n1"}');
      for await (const e of watch) {
        expect(e.string()).toBe('{"version":"n1"}');
        break;
      }
      watch.stop();
      await expect(kv.get('secret')).rejects.toThrow(REFUSED);
    });
  });

  it('admin provisioning turns deny_purge on for an EVENTS stream made before it existed', async () => {
    const old = createTopology(`${t.prefix}old`, 4);
    const jsm = await jetstreamManager(await as('admin'));
    const [, events] = streamDefinitions(old);
    await jsm.streams.add({ ...events, deny_purge: false });
    await ensureStreams(jsm, old);
    expect((await jsm.streams.info(old.streams.events)).config.deny_purge).toBe(true);
    await deleteStreams(jsm, old);
  });

  describe('Bus.connect', () => {
    const obs = new Observability('registry-svc', createLogger({ service: 'registry-svc', level: 'silent' }));
    const config = () =>
      loadConfig('registry-svc', 'VIGIL_REGISTRY_PORT', 0, z.object({}), {
        ...server.env('registry-svc'),
        VIGIL_NATS_PREFIX: t.prefix,
        VIGIL_PARTITIONS: '4',
      });

    it('as a restricted service: checks the provisioned streams, connects, and answers requests as its responder', async () => {
      const bus = await Bus.connect(config(), obs);
      expect(bus.topology.prefix).toBe(t.prefix);
      // Two connections: the streams' reader (no allow_responses) and the responder.
      expect(bus.responder).not.toBe(bus.nc);
      const ping: QueryDefinition<z.ZodObject<{ n: z.ZodNumber }>, z.ZodObject<{ n: z.ZodNumber }>> = {
        kind: 'qry',
        context: 'registry',
        what: 'ping-test',
        request: z.object({ n: z.number() }),
        reply: z.object({ n: z.number() }),
      };
      const sub = serveQuery(rpcServerDeps(bus, obs), ping, async ({ n }) => ({ n: n + 1 }));
      await bus.responder.flush();
      expect(await requestQuery(await as('gateway'), t, ping, { n: 41 }, 2000)).toEqual({ n: 42 });
      sub.unsubscribe();
      await bus.close();
      expect(bus.responder.isClosed()).toBe(true);
    });

    it('as a user that may manage streams (admin): still creates a missing one', async () => {
      const jsm = await jetstreamManager(await as('admin'));
      await jsm.streams.delete(t.streams.dlq);
      const bus = await Bus.connect(
        loadConfig('registry-svc', 'VIGIL_REGISTRY_PORT', 0, z.object({}), {
          ...server.env('admin'),
          VIGIL_NATS_PREFIX: t.prefix,
          VIGIL_PARTITIONS: '4',
        }),
        obs,
      );
      await bus.close();
      expect((await jsm.streams.info(t.streams.dlq)).config.name).toBe(t.streams.dlq);
    });

    it('as a restricted service when a stream is missing: fails naming it, and creates nothing', async () => {
      await (await jetstreamManager(await as('admin'))).streams.delete(t.streams.dlq);
      try {
        const failure = Bus.connect(config(), obs);
        await expect(failure).rejects.toBeInstanceOf(MissingStreamError);
        await expect(failure).rejects.toThrow(t.streams.dlq);
      } finally {
        await server.provision();
      }
    });
  });
});
