/**
 * A simulated fleet whose every node reports exactly 50 series per tick: what the node agent's
 * collectors send for an 8-core host with two filesystems, one disk and one NIC (names from
 * NodeMetric in the contracts). Values are a pure function of (node, series, tick), from a
 * 32-bit hash, so two runs, and the JetStream and VictoriaMetrics copies of one run, hold the
 * same numbers. The fleet simulator in apps/fleet-sim sends ~20 series per node, hence this.
 */
const { NodeMetric, SAMPLE_BATCH_WIRE_VERSION, seriesLine } = require('@vigil/contracts');

/** Final mix of MurmurHash3 (as apps/fleet-sim/src/prng.ts). */
function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
/** Uniform in [0, 1) from three integers. */
const unit = (a, b, c) => fmix32(fmix32(fmix32(a ^ 0x9e3779b9) ^ b) ^ Math.imul(c, 0x27d4eb2d)) / 0x1_0000_0000;

const GIB = 1024 ** 3;
const CORES = 8;
const MODES = ['user', 'system', 'iowait', 'idle', 'steal'];
const MOUNTS = ['/', '/data'];

/** Traits of node `i`: fixed for the life of the run. */
function traits(i) {
  const r = (k) => unit(i, 0xfeed, k);
  const memoryBytes = [16, 32, 64, 128, 256][Math.floor(r(1) * 5)] * GIB;
  return {
    key: i,
    busy: 5 + r(2) * 60, // mean CPU %
    memoryBytes,
    memoryBase: 0.2 + r(3) * 0.6,
    swapBytes: r(4) < 0.5 ? 0 : 4 * GIB,
    fsBytes: [100 * GIB, [500, 1000, 2000, 4000][Math.floor(r(5) * 4)] * GIB],
    fsBase: [0.2 + r(6) * 0.5, 0.1 + r(7) * 0.8],
    diskIops: 50 + r(8) * 2000,
    netBytes: 1e5 + r(9) * 1e8,
    procs: 150 + Math.floor(r(10) * 600),
    /** Uptime cycles through 1..201 days, so uptime and counters stay plausible for any clock. */
    uptimeOffsetS: Math.floor(r(11) * UPTIME_CYCLE_S),
  };
}

const UPTIME_CYCLE_S = 200 * 86400;
/** Seconds since the node booted, at Unix second `tick`. */
const uptime = (t, tick) => 86400 + ((tick + t.uptimeOffsetS) % UPTIME_CYCLE_S);

const round = (v, digits) => Math.round(v * 10 ** digits) / 10 ** digits;
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/**
 * The 50 series: [name, labels, value(t, node, tick, k)], `k` the series index (noise key).
 * Labels objects are shared between nodes and ticks; the node is the batch's nodeId.
 */
function seriesTemplate() {
  const s = [];
  const add = (name, labels, value) => s.push({ name, labels: Object.freeze(labels), value });
  const noise = (t, tick, k) => unit(t.key, k, tick); // 0..1, new each tick
  const cpu = (t, tick, k) => clamp(t.busy + (noise(t, tick, k) - 0.5) * 30, 0, 100);
  add(NodeMetric.cpuUsagePercent, {}, (t, tick, k) => cpu(t, tick, k));
  for (let c = 0; c < CORES; c++) add(NodeMetric.cpuUsagePercent, { cpu: String(c) }, (t, tick, k) => cpu(t, tick, k));
  const modeShare = { user: 0.7, system: 0.2, iowait: 0.07, steal: 0.03 };
  for (const mode of MODES) {
    add(NodeMetric.cpuModePercent, { mode }, (t, tick, k) =>
      mode === 'idle' ? 100 - cpu(t, tick, 0) : cpu(t, tick, 0) * modeShare[mode] * (0.8 + 0.4 * noise(t, tick, k)),
    );
  }
  add(NodeMetric.load1, {}, (t, tick, k) =>
    round((cpu(t, tick, 0) / 100) * CORES * (0.8 + 0.4 * noise(t, tick, k)), 2),
  );
  add(NodeMetric.load5, {}, (t, tick, k) =>
    round((t.busy / 100) * CORES * (0.9 + 0.2 * noise(t, Math.floor(tick / 5), k)), 2),
  );
  add(NodeMetric.load15, {}, (t, tick, k) =>
    round((t.busy / 100) * CORES * (0.95 + 0.1 * noise(t, Math.floor(tick / 15), k)), 2),
  );
  const memRatio = (t, tick) => clamp(t.memoryBase + (noise(t, Math.floor(tick / 10), 77) - 0.5) * 0.1, 0.05, 0.98);
  add(NodeMetric.memoryTotalBytes, {}, (t) => t.memoryBytes);
  add(NodeMetric.memoryUsedBytes, {}, (t, tick) => Math.round(t.memoryBytes * memRatio(t, tick)));
  add(NodeMetric.memoryAvailableBytes, {}, (t, tick) => t.memoryBytes - Math.round(t.memoryBytes * memRatio(t, tick)));
  add(NodeMetric.memoryUsedRatio, {}, (t, tick) => memRatio(t, tick));
  add(NodeMetric.memoryCachedBytes, {}, (t, tick, k) =>
    Math.round(t.memoryBytes * (1 - memRatio(t, tick)) * (0.5 + 0.1 * noise(t, tick, k))),
  );
  add(NodeMetric.memoryBuffersBytes, {}, (t, tick, k) => Math.round(t.memoryBytes * 0.01 * (1 + noise(t, tick, k))));
  add(NodeMetric.memorySwapTotalBytes, {}, (t) => t.swapBytes);
  add(NodeMetric.memorySwapUsedBytes, {}, (t, tick, k) =>
    Math.round(t.swapBytes * 0.05 * noise(t, Math.floor(tick / 30), k)),
  );
  MOUNTS.forEach((mount, m) => {
    const ratio = (t, tick) => clamp(t.fsBase[m] + uptime(t, tick) * 1e-9, 0, 1);
    add(NodeMetric.filesystemSizeBytes, { mount }, (t) => t.fsBytes[m]);
    add(NodeMetric.filesystemUsedBytes, { mount }, (t, tick) => Math.round(t.fsBytes[m] * ratio(t, tick)));
    add(
      NodeMetric.filesystemAvailBytes,
      { mount },
      (t, tick) => t.fsBytes[m] - Math.round(t.fsBytes[m] * ratio(t, tick)),
    );
    add(NodeMetric.filesystemUsedRatio, { mount }, (t, tick) => ratio(t, tick));
  });
  const disk = { device: 'sda' };
  add(NodeMetric.diskReadsCompletedPerSecond, disk, (t, tick, k) => round(t.diskIops * 0.6 * noise(t, tick, k), 3));
  add(NodeMetric.diskWritesCompletedPerSecond, disk, (t, tick, k) => round(t.diskIops * 0.4 * noise(t, tick, k), 3));
  add(NodeMetric.diskReadBytesPerSecond, disk, (t, tick, k) =>
    Math.round(t.diskIops * 0.6 * 16384 * noise(t, tick, k)),
  );
  add(NodeMetric.diskWrittenBytesPerSecond, disk, (t, tick, k) =>
    Math.round(t.diskIops * 0.4 * 32768 * noise(t, tick, k)),
  );
  add(NodeMetric.diskBusyRatio, disk, (t, tick, k) => round(clamp((t.diskIops / 2500) * noise(t, tick, k), 0, 1), 4));
  const nic = { device: 'eth0' };
  const bytesPerS = (t, tick, k) => t.netBytes * (0.5 + noise(t, tick, k));
  add(NodeMetric.networkReceiveBytesTotal, nic, (t, tick) => Math.round(t.netBytes * uptime(t, tick)));
  add(NodeMetric.networkTransmitBytesTotal, nic, (t, tick) => Math.round(t.netBytes * 0.7 * uptime(t, tick)));
  add(NodeMetric.networkReceiveBytesPerSecond, nic, (t, tick, k) => Math.round(bytesPerS(t, tick, k)));
  add(NodeMetric.networkTransmitBytesPerSecond, nic, (t, tick, k) => Math.round(0.7 * bytesPerS(t, tick, k)));
  add(NodeMetric.networkReceivePacketsPerSecond, nic, (t, tick, k) => round(bytesPerS(t, tick, k) / 900, 2));
  add(NodeMetric.networkTransmitPacketsPerSecond, nic, (t, tick, k) => round((0.7 * bytesPerS(t, tick, k)) / 900, 2));
  add(NodeMetric.networkReceiveErrsTotal, nic, (t, tick) => Math.floor(uptime(t, tick) / 86400));
  add(NodeMetric.networkTransmitDropTotal, nic, (t, tick) => Math.floor(uptime(t, tick) / 3600));
  add(NodeMetric.procsTotal, {}, (t, tick, k) => t.procs + Math.floor(noise(t, tick, k) * 20));
  add(NodeMetric.procsRunning, {}, (t, tick, k) => 1 + Math.floor((cpu(t, tick, 0) / 100) * CORES * noise(t, tick, k)));
  add(NodeMetric.procsBlocked, {}, (t, tick, k) =>
    noise(t, tick, k) < 0.9 ? 0 : 1 + Math.floor(noise(t, tick, k + 1) * 3),
  );
  add(NodeMetric.uptimeSeconds, {}, (t, tick) => uptime(t, tick));
  return s;
}

const SERIES = seriesTemplate();
const SERIES_PER_NODE = SERIES.length;
if (SERIES_PER_NODE !== 50) throw new Error(`fleet50 has ${SERIES_PER_NODE} series per node`);

/** Prometheus text of each series' labels after `node="…"`, e.g. `,mount="/data"`. */
const LABEL_TEXT = SERIES.map(({ labels }) =>
  Object.entries(labels)
    .map(([k, v]) => `,${k}=${JSON.stringify(v)}`)
    .join(''),
);

const nodeId = (i) => `bench-${String(i).padStart(5, '0')}`;

/** The fleet: `nodes` nodes with their traits, cached. */
function createFleet(nodes, firstIndex = 0) {
  const list = Array.from({ length: nodes }, (_, j) => ({
    index: firstIndex + j,
    id: nodeId(firstIndex + j),
    traits: traits(firstIndex + j),
  }));
  return list;
}

/** The SampleBatch of `node` for the tick at `timestampMs` (seq = whole seconds since the epoch). */
function sampleBatch(node, timestampMs) {
  const tick = Math.floor(timestampMs / 1000);
  const samples = new Array(SERIES_PER_NODE);
  for (let k = 0; k < SERIES_PER_NODE; k++) {
    const s = SERIES[k];
    samples[k] = { name: s.name, labels: s.labels, value: s.value(node.traits, tick, k) };
  }
  return { nodeId: node.id, seq: tick, timestamp: timestampMs, intervalMs: 1000, samples };
}

/** The series string of every node's batch (the wire form's `series`), as JSON. */
const SERIES_JSON = JSON.stringify(SERIES.map((s) => seriesLine(s.name, s.labels)).join('\n'));

/**
 * The wire bytes of `sampleBatch(node, timestampMs)` as the contracts' encodeSampleBatch writes
 * them, built from the one series string all nodes share: the live publisher's fast path.
 */
function encodedBatch(node, timestampMs) {
  const tick = Math.floor(timestampMs / 1000);
  let values = '';
  for (let k = 0; k < SERIES_PER_NODE; k++) values += (k ? ',' : '') + String(SERIES[k].value(node.traits, tick, k));
  const head = `{"v":${SAMPLE_BATCH_WIRE_VERSION},"nodeId":${JSON.stringify(node.id)},"seq":${tick},"timestamp":${timestampMs}`;
  return Buffer.from(`${head},"intervalMs":1000,"series":${SERIES_JSON},"values":[${values}]}`);
}

/** The batch as Prometheus text exposition lines with timestamps (one per sample), `node` label first. */
function prometheusLines(batch) {
  let out = '';
  const head = `{node="${batch.nodeId}"`;
  const tail = ` ${batch.timestamp}\n`;
  for (let k = 0; k < batch.samples.length; k++) {
    const s = batch.samples[k];
    out += s.name + head + LABEL_TEXT[k] + '} ' + s.value + tail;
  }
  return out;
}

module.exports = { SERIES_PER_NODE, createFleet, sampleBatch, encodedBatch, prometheusLines, nodeId };
