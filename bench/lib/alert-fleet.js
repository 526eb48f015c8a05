/**
 * The alert bench's fleet, run as a child process of bench/alert.bench.js: BENCH_NODES nodes,
 * each publishing one batch a second to the TELEMETRY stream at its own phase
 * (bench/lib/alert-plan.js), stamped with the tick it is due at. A batch is the 50 series of
 * bench/lib/fleet50.js plus `bench_value`, whose value follows the plan.
 *
 * Environment: NATS_URL, VIGIL_NATS_PREFIX, VIGIL_PARTITIONS, BENCH_NODES, BENCH_FOR_MS.
 * stdin: the first line is the plan, `{"crossings": [[index, crossTs], ...]}`; closing stdin
 * stops the fleet. stdout, one JSON object a line:
 *   {"type":"started","firstTick":ms}
 *   {"type":"cross","index":i,"ts":ms,"sentAt":ms}   the node's first sample above the threshold
 *   {"type":"close","index":i,"ts":ms,"sentAt":ms}   its first sample at or after crossTs + for
 *   {"type":"stats","acked":n,"failed":n,"inflight":n,"late_p99_ms":ms,"late_max_ms":ms,"last_error":"..."} every second
 *
 * Each node's first batch is built by the contracts' sampleBatchMessage (validated); later
 * ones are encoded by encodeSampleBatch alone (the same bytes without the schema parse), so
 * the fleet's own CPU stays small next to the service it measures.
 */
const { createInterface } = require('node:readline');
const { jetstream } = require('@nats-io/jetstream');
const { connect } = require('@nats-io/transport-node');
const { createTopology, encodeSampleBatch, sampleBatchMessage, sampleBatchMsgId } = require('@vigil/contracts');
const { BENCH_METRIC, TICK_MS, phaseOf, valueAt } = require('./alert-plan');
const { createFleet, sampleBatch } = require('./fleet50');

const NODES = Number(process.env.BENCH_NODES ?? 200);
const FOR_MS = Number(process.env.BENCH_FOR_MS ?? 10_000);
const topology = createTopology(process.env.VIGIL_NATS_PREFIX ?? '', Number(process.env.VIGIL_PARTITIONS ?? 16));
const NO_LABELS = Object.freeze({});
const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function readPlan(rl) {
  const line = await new Promise((resolve, reject) => {
    rl.once('line', resolve);
    rl.once('close', () => reject(new Error('stdin closed before the plan')));
  });
  return new Map(JSON.parse(line).crossings);
}

async function main() {
  const rl = createInterface({ input: process.stdin });
  const plan = await readPlan(rl);
  const nc = await connect({
    servers: (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','),
    name: 'vigil-bench-alert-fleet',
  });
  const js = jetstream(nc);

  /** slots[ms] = the nodes whose tick falls on that millisecond of every second. */
  const slots = Array.from({ length: TICK_MS }, () => []);
  const firstTick = Math.ceil(Date.now() / TICK_MS) * TICK_MS + TICK_MS;
  for (const node of createFleet(NODES)) {
    const crossTs = plan.get(node.index);
    slots[phaseOf(node.index)].push({
      node,
      crossTs,
      closeTs: crossTs === undefined ? undefined : crossTs + FOR_MS,
      subject: undefined,
      crossed: false,
      closed: false,
    });
  }
  emit({ type: 'started', firstTick });

  let acked = 0;
  let failed = 0;
  let inflight = 0;
  let lastError = '';
  let late = [];

  function encode(entry, ts) {
    const batch = sampleBatch(entry.node, ts);
    batch.samples.push({ name: BENCH_METRIC, labels: NO_LABELS, value: valueAt(entry.node.index, ts, entry.crossTs) });
    if (entry.subject === undefined) {
      const m = sampleBatchMessage(topology, batch);
      entry.subject = m.subject;
      return m;
    }
    return { subject: entry.subject, msgId: sampleBatchMsgId(batch.nodeId, batch.seq), data: encodeSampleBatch(batch) };
  }

  function publish(entry, ts) {
    const m = encode(entry, ts);
    const sentAt = Date.now();
    late.push(sentAt - ts);
    if (!entry.crossed && entry.crossTs !== undefined && ts >= entry.crossTs) {
      entry.crossed = true;
      emit({ type: 'cross', index: entry.node.index, ts, sentAt });
    }
    if (!entry.closed && entry.closeTs !== undefined && ts >= entry.closeTs) {
      entry.closed = true;
      emit({ type: 'close', index: entry.node.index, ts, sentAt });
    }
    inflight++;
    js.publish(m.subject, m.data, { msgID: m.msgId }).then(
      () => {
        inflight--;
        acked++;
      },
      (e) => {
        inflight--;
        failed++;
        lastError = String(e?.message ?? e);
      },
    );
  }

  // Every due time <= cursor has been published; a late pump publishes what it missed, stamped when due.
  let cursor = firstTick - 1;
  const pump = () => {
    const now = Date.now();
    while (cursor < now) {
      cursor++;
      for (const entry of slots[cursor % TICK_MS]) publish(entry, cursor);
    }
  };
  const pumpTimer = setInterval(pump, 2);
  const statsTimer = setInterval(() => {
    late.sort((a, b) => a - b);
    const p99 = late.length ? late[Math.min(late.length - 1, Math.floor(late.length * 0.99))] : 0;
    emit({
      type: 'stats',
      acked,
      failed,
      inflight,
      late_p99_ms: p99,
      late_max_ms: late.at(-1) ?? 0,
      last_error: lastError,
    });
    late = [];
  }, 1000);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(pumpTimer);
    clearInterval(statsTimer);
    const deadline = Date.now() + 5000;
    while (inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await nc.drain().catch(() => nc.close());
    process.exit(0);
  };
  rl.on('close', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(`alert fleet: ${e?.stack ?? e}\n`);
  process.exit(1);
});
