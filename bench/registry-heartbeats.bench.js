/**
 * How fast registry-svc works through a backlog of heartbeats, against a reference
 * measured in the same run on the same backlog: a bare JetStream pull consumer that
 * only acks. The ratio is the price of the registry's work per heartbeat (validation,
 * Redis presence, the first heartbeat of each node registering it in the event store).
 *
 *   npm run bench -- registry-heartbeats [--nodes 1000] [--per-node 20]
 */
const { AckPolicy } = require('@nats-io/jetstream');
const { heartbeatMessage } = require('@vigil/contracts');
const {
  createTestBus,
  createTestDatabase,
  freePort,
  ServiceProcess,
  testUrls,
  uniqueId,
} = require('@vigil/test-support');
const { Redis } = require('ioredis');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const NODES = arg('nodes', 1000);
const PER_NODE = arg('per-node', 20);
const log = (msg) => process.stderr.write(`${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polled gently: on NATS 2.9 a consumer's num_pending over a wildcard filter is counted
 * by scanning the stream, so polling it every few milliseconds would load the very
 * server being measured.
 */
async function drained(jsm, stream, consumer) {
  for (;;) {
    const c = await jsm.consumers.info(stream, consumer);
    if (c.num_pending === 0 && c.num_ack_pending === 0 && c.delivered.stream_seq > 0) return;
    await sleep(500);
  }
}

/** Heartbeats registry-svc has finished with, from its own /metrics (no load on NATS). */
async function handled(port) {
  const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let n = 0;
  for (const line of page.split('\n')) {
    if (line.startsWith('vigil_nats_messages_total{') && line.includes('subject="telemetry.heartbeat.*"'))
      n += Number(line.split(' ').pop());
  }
  return n;
}

async function main() {
  const bus = await createTestBus();
  const db = await createTestDatabase();
  const redisPrefix = `${uniqueId('bench-')}:`;
  const { js, jsm, topology } = bus;
  const total = NODES * PER_NODE;
  const port = await freePort();
  const env = {
    NATS_URL: testUrls.nats,
    DATABASE_URL: db.url,
    REDIS_URL: testUrls.redis,
    VIGIL_NATS_PREFIX: topology.prefix,
    VIGIL_REDIS_PREFIX: redisPrefix,
    VIGIL_REGISTRY_PORT: String(port),
    VIGIL_OFFLINE_TIMEOUT_MS: '3600000',
    LOG_LEVEL: 'warn',
  };
  try {
    // Boot once on an empty stream: creates the durable consumer and gives the start-up time.
    let started = Date.now();
    let registry = new ServiceProcess('registry-svc', env).start();
    await registry.waitHttpOk(`http://127.0.0.1:${port}/health/ready`, 60_000);
    const bootMs = Date.now() - started;
    await registry.stop();

    log(`publishing ${total} heartbeats for ${NODES} nodes`);
    const bootId = uniqueId('boot');
    for (let round = 0; round < PER_NODE; round++) {
      const acks = [];
      for (let n = 0; n < NODES; n++) {
        const nodeId = `bench-${n}`;
        const m = heartbeatMessage(
          topology,
          {
            nodeId,
            seq: round,
            sentAt: new Date().toISOString(),
            hostname: nodeId,
            agentVersion: 'bench',
            uptimeSeconds: round,
            intervalMs: 5000,
            labels: {},
          },
          bootId,
        );
        acks.push(js.publish(m.subject, m.data, { msgID: m.msgId }));
      }
      await Promise.all(acks);
    }

    log('reference: a bare consumer acking the backlog');
    await jsm.consumers.add(topology.streams.telemetry, {
      durable_name: 'bench-reference',
      ack_policy: AckPolicy.Explicit,
      filter_subject: topology.subjects.allHeartbeats(),
      max_ack_pending: 1000,
    });
    started = Date.now();
    const consumer = await js.consumers.get(topology.streams.telemetry, 'bench-reference');
    const messages = await consumer.consume({ max_messages: 256 });
    let seen = 0;
    for await (const m of messages) {
      m.ack();
      if (++seen === total) break;
    }
    const referenceMs = Date.now() - started;
    await drained(jsm, topology.streams.telemetry, 'bench-reference');
    await messages.close();

    log('registry-svc working through the same backlog');
    started = Date.now();
    registry = new ServiceProcess('registry-svc', env).start();
    for (;;) {
      if ((await handled(port).catch(() => 0)) >= total) break;
      await sleep(20);
    }
    const registryMs = Date.now() - started - bootMs;
    await drained(jsm, topology.streams.telemetry, topology.consumers.registryHeartbeats);
    const ci = await jsm.consumers.info(topology.streams.telemetry, topology.consumers.registryHeartbeats);
    log(
      `delivered ${ci.delivered.consumer_seq} for ${ci.delivered.stream_seq} stream messages, redelivered now ${ci.num_redelivered}`,
    );
    await registry.stop();

    const referenceRate = total / (referenceMs / 1000);
    const registryRate = total / (Math.max(registryMs, 1) / 1000);
    console.log(
      JSON.stringify({
        bench: 'registry-heartbeats',
        nodes: NODES,
        heartbeats: total,
        registry_boot_ms: bootMs,
        reference_ms: referenceMs,
        registry_ms: registryMs,
        reference_msgs_per_s: Math.round(referenceRate),
        registry_msgs_per_s: Math.round(registryRate),
        ratio: Number((registryRate / referenceRate).toFixed(3)),
      }),
    );
  } finally {
    const redis = new Redis(testUrls.redis);
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await bus.close();
    await db.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
