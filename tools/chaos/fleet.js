'use strict';
/**
 * The chaos run's simulated fleet: N nodes publishing, as the real agent does, a sample batch
 * every `sampleMs` and a heartbeat every `heartbeatMs` through the contracts' messages (same
 * subjects, same `Nats-Msg-Id`s). Like the agent's spool, what NATS does not take stays queued per
 * node and is retried in order with the same message id, so a retry whose first copy was stored
 * is dropped by JetStream's duplicate window. A message enters the ledger once JetStream has
 * acknowledged it: the ledger holds exactly what Vigil was given.
 */
const { randomUUID } = require('node:crypto');
const { jetstream } = require('@nats-io/jetstream');
const { heartbeatMessage, sampleBatchMessage } = require('@vigil/contracts');
const { publishAgentMessage } = require('@vigil/messaging');

const PUBLISH_TIMEOUT_MS = 2000;

/** Integer values only, so sums compare exactly; a small LCG per node keeps runs reproducible. */
function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 0x1_0000_0000;
}

class LedgerFleet {
  constructor({ nc, topology, ledger, nodes, sampleMs = 1000, heartbeatMs = 1000, prefix = 'chaos' }) {
    this.js = jetstream(nc);
    this.topology = topology;
    this.ledger = ledger;
    this.sampleMs = sampleMs;
    this.heartbeatMs = heartbeatMs;
    this.nodes = Array.from({ length: nodes }, (_, i) => ({
      id: `${prefix}-${String(i).padStart(5, '0')}`,
      bootId: randomUUID(),
      batchSeq: 0,
      heartbeatSeq: 0,
      nextHeartbeatAt: 0,
      hot: false,
      random: prng(i + 1),
      queue: [],
      draining: false,
    }));
    this.publishFailures = 0;
    /** After a stop that gave up: heads sent but never acknowledged, even on retry (see stop). */
    this.uncertain = 0;
    /** The last publish failure ({ at, message }), for the driver's progress lines. */
    this.lastError = undefined;
    this.timer = undefined;
    this.startedAt = 0;
  }

  nodeIds() {
    return this.nodes.map((n) => n.id);
  }

  /** The nodes' CPU goes above 90 % from now on (and stays there): each must alert. */
  heat(indexes) {
    const now = Date.now();
    for (const i of indexes) {
      this.nodes[i].hot = true;
      this.ledger.recordHot(this.nodes[i].id, now);
    }
  }

  /** Messages waiting for NATS, over all nodes. */
  backlog() {
    return this.nodes.reduce((n, node) => n + node.queue.length, 0);
  }

  start() {
    this.startedAt = Date.now();
    this.tick();
    this.timer = setInterval(() => this.tick(), this.sampleMs);
  }

  /**
   * Stops producing and publishes what is queued; after `timeoutMs` it gives up and answers how
   * many messages JetStream never acknowledged (they are not in the ledger).
   *
   * A message whose publish timed out may still have been stored: JetStream acknowledges late
   * when it is overloaded. Retried with its id, a stored one is acknowledged without being
   * stored twice, so before giving up each node's head message that was ever sent is settled
   * that way (up to `settleMs`); the messages behind it were never sent, so the ledger stays
   * exact. `uncertain` counts the heads that could not be settled (stored or not: unknown).
   */
  async stop(timeoutMs = 60_000, settleMs = 60_000) {
    clearInterval(this.timer);
    const deadline = Date.now() + timeoutMs;
    while (this.backlog() > 0 || this.nodes.some((n) => n.draining)) {
      if (Date.now() > deadline) {
        this.stopped = true;
        while (this.nodes.some((n) => n.draining)) await new Promise((r) => setTimeout(r, 50));
        this.uncertain = await this.settleHeads(settleMs);
        return this.backlog();
      }
      for (const node of this.nodes) this.drain(node);
      await new Promise((r) => setTimeout(r, 100));
    }
    return 0;
  }

  /** Retries every sent-but-unacknowledged head until acknowledged or `settleMs` passed; answers how many remain. */
  async settleHeads(settleMs) {
    const until = Date.now() + settleMs;
    const heads = this.nodes.filter((n) => n.queue.length > 0 && n.queue[0].sent);
    await Promise.all(
      heads.map(async (node) => {
        while (Date.now() < until) {
          const head = node.queue[0];
          try {
            await publishAgentMessage(this.js, head.message, { timeoutMs: PUBLISH_TIMEOUT_MS * 5 });
          } catch {
            continue;
          }
          node.queue.shift();
          this.record(node, head);
          return;
        }
      }),
    );
    return heads.filter((n) => n.queue.length > 0 && n.queue[0].sent).length;
  }

  record(node, head) {
    if (head.batch) this.ledger.recordBatch(head.batch);
    else this.ledger.recordHeartbeat(node.id, Date.parse(head.heartbeat.sentAt), Date.now());
  }

  tick() {
    const now = Date.now();
    for (const node of this.nodes) {
      if (now >= node.nextHeartbeatAt) {
        node.nextHeartbeatAt = now + this.heartbeatMs;
        const heartbeat = {
          nodeId: node.id,
          seq: node.heartbeatSeq++,
          sentAt: new Date(now).toISOString(),
          hostname: node.id,
          agentVersion: '0.1.0-chaos',
          uptimeSeconds: (now - this.startedAt) / 1000,
          intervalMs: this.heartbeatMs,
          labels: { env: 'chaos' },
        };
        node.queue.push({ message: heartbeatMessage(this.topology, heartbeat, node.bootId), heartbeat });
      }
      const seq = ++node.batchSeq;
      const cpu = node.hot ? 95 + Math.floor(node.random() * 5) : 10 + Math.floor(node.random() * 50);
      const batch = {
        nodeId: node.id,
        seq,
        timestamp: now,
        intervalMs: this.sampleMs,
        samples: [
          { name: 'node_cpu_usage_percent', labels: {}, value: cpu },
          { name: 'chaos_ticks', labels: {}, value: seq % 1000 },
          { name: 'chaos_disk_used_bytes', labels: { mount: '/' }, value: 1000 + Math.floor(node.random() * 500) },
        ],
      };
      node.queue.push({ message: sampleBatchMessage(this.topology, batch), batch });
      this.drain(node);
    }
  }

  /** Publishes the node's queue in order; stops at the first failure (the next tick retries). */
  drain(node) {
    if (this.stopped || node.draining || node.queue.length === 0) return;
    node.draining = true;
    (async () => {
      while (node.queue.length > 0 && !this.stopped) {
        const head = node.queue[0];
        head.sent = true;
        try {
          await publishAgentMessage(this.js, head.message, { timeoutMs: PUBLISH_TIMEOUT_MS });
        } catch (e) {
          this.publishFailures++;
          this.lastError = { at: Date.now(), message: e instanceof Error ? e.message : String(e) };
          return;
        }
        node.queue.shift();
        this.record(node, head);
      }
    })().finally(() => {
      node.draining = false;
    });
  }
}

module.exports = { LedgerFleet };
