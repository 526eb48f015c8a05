'use strict';
/**
 * The chaos run's independent ledger: what the simulated fleet had acknowledged by JetStream
 * (every sample, heartbeat), what the driver changed (rules) and what it therefore expects Vigil
 * to have done (alerts, notifications). Written by the driver only, never read from Vigil; the
 * comparisons below take what Vigil stored as plain data, so they are tested on their own.
 */

const BUCKET_MS = 10_000;

/** The identity of a series as the ledger and the comparison write it: node, metric, sorted labels. */
function seriesKey(nodeId, metric, labels) {
  const sorted = Object.keys(labels ?? {})
    .sort()
    .map((k) => [k, labels[k]]);
  return `${nodeId}|${metric}|${JSON.stringify(sorted)}`;
}

class Ledger {
  /** `bucketed`: count per series and 10 s bucket (the CI run); otherwise per series only (the soak). */
  constructor({ bucketed = true } = {}) {
    this.bucketed = bucketed;
    /** key -> { count, sum } */
    this.samples = new Map();
    this.totalSamples = 0;
    this.batches = 0;
    /** nodeId -> { sentAt, ackedAt, count } of its last acknowledged heartbeat */
    this.heartbeats = new Map();
    this.ruleChanges = [];
    /** nodeId -> ms since which its CPU is above the rule's threshold (it must alert) */
    this.hotSince = new Map();
  }

  /** A batch JetStream acknowledged (a duplicate acknowledgement of a retry is recorded once by the caller). */
  recordBatch(batch) {
    this.batches++;
    const bucket = Math.floor(batch.timestamp / BUCKET_MS) * BUCKET_MS;
    for (const s of batch.samples) {
      const series = seriesKey(batch.nodeId, s.name, s.labels);
      const key = this.bucketed ? `${series}|${bucket}` : series;
      const e = this.samples.get(key);
      if (e) {
        e.count++;
        e.sum += s.value;
      } else this.samples.set(key, { count: 1, sum: s.value });
      this.totalSamples++;
    }
  }

  recordHeartbeat(nodeId, sentAtMs, ackedAtMs) {
    const e = this.heartbeats.get(nodeId);
    if (!e || sentAtMs >= e.sentAt)
      this.heartbeats.set(nodeId, { sentAt: sentAtMs, ackedAt: ackedAtMs, count: (e?.count ?? 0) + 1 });
    else e.count++;
  }

  recordRuleChange(ruleIds, atMs) {
    this.ruleChanges.push({ at: atMs, rules: [...ruleIds] });
  }

  recordHot(nodeId, sinceMs) {
    if (!this.hotSince.has(nodeId)) this.hotSince.set(nodeId, sinceMs);
  }
}

/**
 * Samples: `stored` maps the same keys as the ledger to { count, sum } read from the rollups.
 * Lost: a key's count below the ledger's (or absent); twice: above it (or a key the fleet never sent).
 */
function compareSamples(ledger, stored) {
  const out = { expected: ledger.totalSamples, stored: 0, lost: 0, countedTwice: 0, sumMismatches: 0, examples: [] };
  const example = (what) => out.examples.length < 10 && out.examples.push(what);
  for (const s of stored.values()) out.stored += s.count;
  for (const [key, want] of ledger.samples) {
    const got = stored.get(key) ?? { count: 0, sum: 0 };
    if (got.count < want.count) {
      out.lost += want.count - got.count;
      example(`lost ${want.count - got.count} of ${want.count}: ${key}`);
    } else if (got.count > want.count) {
      out.countedTwice += got.count - want.count;
      example(`counted ${got.count} times what was sent ${want.count} times: ${key}`);
    } else if (Math.abs(got.sum - want.sum) > 1e-6 * Math.max(1, Math.abs(want.sum))) {
      out.sumMismatches++;
      example(`sum ${got.sum} instead of ${want.sum}: ${key}`);
    }
  }
  for (const [key, got] of stored) {
    if (!ledger.samples.has(key)) {
      out.countedTwice += got.count;
      example(`stored ${got.count} samples the fleet never sent: ${key}`);
    }
  }
  return out;
}

/**
 * Registry: `nodes` maps node id -> { status, lastSeenAt (ms) }. Every node that sent an
 * acknowledged heartbeat must be known and online, last seen when its last heartbeat was stored
 * (between its send and its acknowledgement, give or take `slackMs` of clock rounding).
 */
function compareRegistry(ledger, nodes, slackMs = 50) {
  const out = { expected: ledger.heartbeats.size, missing: 0, notOnline: 0, staleLastSeen: 0, examples: [] };
  const example = (what) => out.examples.length < 10 && out.examples.push(what);
  for (const [nodeId, hb] of ledger.heartbeats) {
    const node = nodes.get(nodeId);
    if (!node) {
      out.missing++;
      example(`${nodeId}: not in the registry`);
      continue;
    }
    if (node.status !== 'online') {
      out.notOnline++;
      example(`${nodeId}: ${node.status}`);
    }
    if (node.lastSeenAt === null || node.lastSeenAt < hb.sentAt - slackMs || node.lastSeenAt > hb.ackedAt + slackMs) {
      out.staleLastSeen++;
      example(
        `${nodeId}: last seen ${node.lastSeenAt === null ? 'never' : new Date(node.lastSeenAt).toISOString()}, its last heartbeat was stored between ${new Date(hb.sentAt).toISOString()} and ${new Date(hb.ackedAt).toISOString()}`,
      );
    }
  }
  return out;
}

/**
 * Alerts: `history` is the alert history as [{ node, type }] (types `alert.firing`,
 * `alert.resolved`, …). A hot node without a firing entry is an alert lost; a firing entry for a
 * node that never ran hot is an alert Vigil made up; a resolved entry for a node that stayed hot is
 * a false resolution; a second firing without a resolution between is a duplicate transition.
 */
function compareAlerts(ledger, history) {
  const out = {
    expected: ledger.hotSince.size,
    lost: 0,
    unexpected: 0,
    falselyResolved: 0,
    duplicated: 0,
    examples: [],
  };
  const example = (what) => out.examples.length < 10 && out.examples.push(what);
  const byNode = new Map();
  for (const h of history) {
    if (!byNode.has(h.node)) byNode.set(h.node, []);
    byNode.get(h.node).push(h.type);
  }
  for (const nodeId of ledger.hotSince.keys()) {
    const types = byNode.get(nodeId) ?? [];
    if (!types.includes('alert.firing')) {
      out.lost++;
      example(`${nodeId}: hot since ${new Date(ledger.hotSince.get(nodeId)).toISOString()}, never fired`);
    }
    if (types.includes('alert.resolved')) {
      out.falselyResolved++;
      example(`${nodeId}: resolved while still hot (${types.join(' → ')})`);
    }
    let firing = false;
    for (const t of types) {
      if (t === 'alert.firing') {
        if (firing) {
          out.duplicated++;
          example(`${nodeId}: fired twice without resolving (${types.join(' → ')})`);
        }
        firing = true;
      } else if (t === 'alert.resolved') firing = false;
    }
  }
  for (const [nodeId, types] of byNode) {
    if (!ledger.hotSince.has(nodeId) && types.includes('alert.firing')) {
      out.unexpected++;
      example(`${nodeId}: fired, but never ran hot`);
    }
  }
  return out;
}

/**
 * Notifications the test's webhook received: [{ id, idempotencyKey, groupKey, status, node }].
 * Each hot node's group must have been notified firing; several deliveries of one notification
 * (same id, as the crash-between-send-and-record contract allows) are counted as allowed repeats;
 * a second firing notification of the same group with another id is a duplicate; a delivery whose
 * Idempotency-Key header is not its id breaks the contract.
 */
function compareNotifications(ledger, received) {
  const out = {
    expected: ledger.hotSince.size,
    received: received.length,
    lost: 0,
    duplicated: 0,
    allowedRepeats: 0,
    keyMismatches: 0,
    unexpected: 0,
    examples: [],
  };
  const example = (what) => out.examples.length < 10 && out.examples.push(what);
  const groups = new Map();
  for (const r of received) {
    if (r.idempotencyKey !== r.id) {
      out.keyMismatches++;
      example(`notification ${r.id} delivered with Idempotency-Key ${r.idempotencyKey}`);
    }
    const key = `${r.groupKey}|${r.status}`;
    if (!groups.has(key)) groups.set(key, { node: r.node, status: r.status, ids: new Map() });
    const g = groups.get(key);
    g.ids.set(r.id, (g.ids.get(r.id) ?? 0) + 1);
  }
  const firingNodes = new Set();
  for (const [key, g] of groups) {
    if (g.status === 'firing') firingNodes.add(g.node);
    for (const n of g.ids.values()) out.allowedRepeats += n - 1;
    if (g.ids.size > 1) {
      out.duplicated += g.ids.size - 1;
      example(`${key}: ${g.ids.size} distinct notifications (${[...g.ids.keys()].join(', ')})`);
    }
    if (!ledger.hotSince.has(g.node)) {
      out.unexpected++;
      example(`${key}: notified for a node that never ran hot`);
    }
    if (g.status === 'resolved' && ledger.hotSince.has(g.node)) {
      out.unexpected++;
      example(`${key}: resolved notification while the node was still hot`);
    }
  }
  for (const nodeId of ledger.hotSince.keys()) {
    if (!firingNodes.has(nodeId)) {
      out.lost++;
      example(`${nodeId}: no firing notification reached the webhook`);
    }
  }
  return out;
}

/** The lines of the verdict that make the run fail; none means it passed. */
function failures(result) {
  const f = [];
  const { samples, registry, alerts, notifications } = result;
  if (samples.lost) f.push(`${samples.lost} samples lost`);
  if (samples.countedTwice) f.push(`${samples.countedTwice} samples counted twice`);
  if (samples.sumMismatches) f.push(`${samples.sumMismatches} series buckets with a wrong sum`);
  if (registry.missing) f.push(`${registry.missing} nodes missing from the registry`);
  if (registry.notOnline) f.push(`${registry.notOnline} streaming nodes not online`);
  if (registry.staleLastSeen) f.push(`${registry.staleLastSeen} nodes with a wrong last heartbeat`);
  if (alerts.lost) f.push(`${alerts.lost} alerts lost`);
  if (alerts.unexpected) f.push(`${alerts.unexpected} alerts for nodes that never ran hot`);
  if (alerts.falselyResolved) f.push(`${alerts.falselyResolved} alerts resolved while their node was hot`);
  if (alerts.duplicated) f.push(`${alerts.duplicated} duplicate firing transitions`);
  if (notifications.lost) f.push(`${notifications.lost} notifications lost`);
  if (notifications.duplicated) f.push(`${notifications.duplicated} notifications duplicated (different ids)`);
  if (notifications.keyMismatches) f.push(`${notifications.keyMismatches} deliveries with a wrong idempotency key`);
  if (notifications.unexpected) f.push(`${notifications.unexpected} unexpected notifications`);
  if (result.rules?.missing?.length) f.push(`rules missing after the run: ${result.rules.missing.join(', ')}`);
  for (const r of result.recovery ?? [])
    if (!r.resumed) f.push(`${r.service} did not become ready again after ${r.after}`);
  if (result.unpublished)
    f.push(
      `JetStream did not acknowledge ${result.unpublished} messages the fleet queued (publish timeouts; not in the ledger)`,
    );
  for (const e of result.unexpectedExits ?? [])
    f.push(`${e.service} exited by itself (code ${e.code}) during ${e.during}`);
  return f;
}

module.exports = {
  BUCKET_MS,
  Ledger,
  seriesKey,
  compareSamples,
  compareRegistry,
  compareAlerts,
  compareNotifications,
  failures,
};
