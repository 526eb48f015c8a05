/**
 * A fleet publishing its sample batches in real time, run as a child process of
 * bench/ingest.bench.js: each node sends one 50-sample batch per second, stamped with the
 * moment it is due, at a fixed phase inside the second (from a hash of its index), so the
 * load is spread over the second as a real fleet's is.
 *
 * Environment: NATS_URL, VIGIL_NATS_PREFIX, VIGIL_PARTITIONS, BENCH_PUBLISHER (k) and
 * BENCH_PUBLISHERS (K): this process handles the nodes whose index i has i % K == k.
 * stdin: one JSON object a line, `{"nodes": N}`, sets the fleet size (nodes only ever join).
 * stdout: one JSON line a second with running totals: acked (batches stored by JetStream),
 * failed, inflight, nodes, and the lateness (publish time - due time) over that second.
 *
 * Each node's first batch is built by the contracts' sampleBatchMessage (validated); later
 * ones take a fast path that yields the same subject, message id and bytes without the schema
 * parse (checked equal on that first batch), so the publisher's CPU stays small next to
 * what it measures. For the same reason a batch is not sent with `js.publish` (a request: a
 * promise, an inbox entry and a timer per message) but published on the core connection with
 * a reply subject under one subscription, which receives JetStream's acknowledgement (or its
 * error, or a 503 when no stream listens); one sweep a second counts a batch unanswered for
 * ACK_TIMEOUT_MS as failed.
 */
const { createInterface } = require('node:readline');
const { connect, createInbox, headers } = require('@nats-io/transport-node');
const { createTopology, partitionOf, sampleBatchMessage, sampleBatchMsgId } = require('@vigil/contracts');
const { createFleet, encodedBatch, sampleBatch } = require('./fleet50');

const K = Number(process.env.BENCH_PUBLISHERS ?? 1);
const k = Number(process.env.BENCH_PUBLISHER ?? 0);
const MAX_INFLIGHT = Number(process.env.BENCH_MAX_INFLIGHT ?? 20_000);
const ACK_TIMEOUT_MS = 5_000;
const topology = createTopology(process.env.VIGIL_NATS_PREFIX ?? '', Number(process.env.VIGIL_PARTITIONS ?? 16));

/** JetStream's error in a publish acknowledgement, or undefined for a stored message. */
function ackError(data) {
  try {
    const ack = JSON.parse(Buffer.from(data).toString());
    return ack.error ? String(ack.error.description ?? JSON.stringify(ack.error)) : undefined;
  } catch {
    return `unreadable acknowledgement: ${Buffer.from(data).toString().slice(0, 80)}`;
  }
}

/** Phase (ms inside the second) of node `i`: deterministic, uniform. */
function phaseOf(i) {
  let h = Math.imul(i ^ 0x5bd1e995, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 1000;
}

async function main() {
  const nc = await connect({
    servers: (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','),
    name: `vigil-bench-publisher-${k}`,
  });
  const inbox = createInbox();
  /** Reply token → time sent, for the batches not acknowledged yet. */
  const pending = new Map();
  let token = 0;
  /** slots[ms] = nodes due at that millisecond of every second. */
  const slots = Array.from({ length: 1000 }, () => []);
  let fleetSize = 0;
  let mine = 0;
  let acked = 0;
  let failed = 0;
  let lastError = '';
  let late = [];
  let cursor = Date.now(); // every due time <= cursor has been published

  function grow(n) {
    if (n <= fleetSize) return;
    const from = fleetSize;
    fleetSize = n;
    // Nodes join at the next whole second, so their first tick is a full one.
    const startAt = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    for (const node of createFleet(n - from, from)) {
      if (node.index % K !== k) continue;
      const subject = topology.subjects.samples(partitionOf(node.id, topology.partitions), node.id);
      slots[phaseOf(node.index)].push({ node, subject, startAt, validated: false });
      mine++;
    }
  }

  function encode(entry, ts) {
    if (!entry.validated) {
      const batch = sampleBatch(entry.node, ts);
      const m = sampleBatchMessage(topology, batch);
      const fast = encodedBatch(entry.node, ts);
      const msgId = sampleBatchMsgId(batch.nodeId, batch.seq);
      if (m.subject !== entry.subject || m.msgId !== msgId || !Buffer.from(m.data).equals(Buffer.from(fast))) {
        throw new Error(`fast encoding differs from sampleBatchMessage for ${batch.nodeId}`);
      }
      entry.validated = true;
      return m;
    }
    return {
      subject: entry.subject,
      msgId: sampleBatchMsgId(entry.node.id, Math.floor(ts / 1000)),
      data: encodedBatch(entry.node, ts),
    };
  }

  nc.subscribe(`${inbox}.*`, {
    callback: (err, msg) => {
      if (err) {
        lastError = String(err.message ?? err);
        return;
      }
      const t = Number(msg.subject.slice(inbox.length + 1));
      if (!pending.delete(t)) return; // already counted as timed out
      const error = msg.headers?.hasError
        ? `${msg.headers.code} ${msg.headers.description || 'no stream stores the subject'}`
        : ackError(msg.data);
      if (error === undefined) acked++;
      else {
        failed++;
        lastError = error;
      }
    },
  });

  function publish(entry, ts) {
    const m = encode(entry, ts);
    const h = headers();
    h.set('Nats-Msg-Id', m.msgId);
    const t = ++token;
    const now = Date.now();
    pending.set(t, now);
    late.push(now - ts);
    nc.publish(m.subject, m.data, { headers: h, reply: `${inbox}.${t}` });
  }

  /** Counts the batches unanswered for ACK_TIMEOUT_MS as failed (insertion order is send order). */
  function sweep() {
    const cutoff = Date.now() - ACK_TIMEOUT_MS;
    for (const [t, sentAt] of pending) {
      if (sentAt > cutoff) break;
      pending.delete(t);
      failed++;
      lastError = `no acknowledgement within ${ACK_TIMEOUT_MS} ms`;
    }
  }

  /** Publishes everything due in (cursor, now], unless too much is in flight (then it runs late). */
  function pump() {
    const now = Date.now();
    while (cursor < now && pending.size < MAX_INFLIGHT) {
      cursor++;
      for (const entry of slots[cursor % 1000]) if (cursor >= entry.startAt) publish(entry, cursor);
    }
  }

  const pumpTimer = setInterval(pump, 5);
  const reportTimer = setInterval(() => {
    sweep();
    late.sort((a, b) => a - b);
    const p99 = late.length ? late[Math.min(late.length - 1, Math.floor(late.length * 0.99))] : 0;
    const max = late.length ? late[late.length - 1] : 0;
    process.stdout.write(
      `${JSON.stringify({ t: Date.now(), nodes: mine, fleet: fleetSize, acked, failed, inflight: pending.size, late_p99_ms: p99, late_max_ms: max, behind_ms: Date.now() - cursor, last_error: lastError })}\n`,
    );
    late = [];
  }, 1000);

  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    try {
      const cmd = JSON.parse(line);
      if (Number.isInteger(cmd.nodes)) grow(cmd.nodes);
    } catch (e) {
      process.stderr.write(`publisher ${k}: bad command ${line}: ${e.message}\n`);
    }
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(pumpTimer);
    clearInterval(reportTimer);
    const deadline = Date.now() + 5000;
    while (pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await nc.drain().catch(() => nc.close());
    process.exit(0);
  };
  rl.on('close', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(`publisher ${k}: ${e?.stack ?? e}\n`);
  process.exit(1);
});
