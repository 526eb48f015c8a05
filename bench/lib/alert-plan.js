/**
 * The alert bench's scenario, shared by the fleet that publishes it to Vigil and the exporter
 * that serves it to Prometheus, so both see the same values at the same instants.
 *
 * Node `i` samples once a second at a fixed phase inside the second (a hash of `i`): its
 * ticks are `s * 1000 + phaseOf(i)`. `bench_value` is 10..40 (below the threshold of 50)
 * until the node's crossing tick, then 60..90 (above) for the rest of the run; the noise is
 * a hash of (node, tick). The crossing tick of an alerting node is its first tick at or after
 * the instant planned for it; the `for` window closes `for` after that tick, which for a
 * whole number of seconds is the timestamp of the sample that completes the window.
 */

const BENCH_METRIC = 'bench_value';
const THRESHOLD = 50;
const TICK_MS = 1000;

function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Phase (ms inside the second) of node `i`'s ticks: deterministic, uniform over the second. */
const phaseOf = (i) => fmix32(Math.imul(i ^ 0x5bd1e995, 0x85ebca6b)) % TICK_MS;

/** Node `i`'s first tick at or after `t` (ms). */
function tickAtOrAfter(i, t) {
  const phase = phaseOf(i);
  return Math.ceil((t - phase) / TICK_MS) * TICK_MS + phase;
}

/** Node `i`'s last tick at or before `t` (ms): the sample an exporter serving the node's latest values holds at `t`. */
function tickAtOrBefore(i, t) {
  const phase = phaseOf(i);
  return Math.floor((t - phase) / TICK_MS) * TICK_MS + phase;
}

/** bench_value of node `i` in its tick `tickMs`, the node crossing at `crossTs` (undefined: never). */
function valueAt(i, tickMs, crossTs) {
  const noise = fmix32(fmix32(i ^ 0x9e3779b9) ^ Math.floor(tickMs / TICK_MS)) / 0x1_0000_0000;
  const base = crossTs !== undefined && tickMs >= crossTs ? 60 : 10;
  return Math.round((base + 30 * noise) * 100) / 100;
}

/**
 * Which nodes cross, and when: `alerts` nodes spread evenly over the fleet's indices, their
 * planned instants spread evenly over [startAt, startAt + spreadMs), each moved to the
 * node's next tick. Returns Map(index → crossing tick).
 */
function planCrossings({ nodes, alerts, startAt, spreadMs }) {
  if (alerts > nodes) throw new Error(`${alerts} alerts need at least as many nodes (got ${nodes})`);
  const plan = new Map();
  for (let j = 0; j < alerts; j++) {
    const index = Math.floor((j * nodes) / alerts);
    plan.set(index, tickAtOrAfter(index, startAt + ((j + 0.5) * spreadMs) / alerts));
  }
  return plan;
}

module.exports = { BENCH_METRIC, THRESHOLD, TICK_MS, phaseOf, tickAtOrAfter, tickAtOrBefore, valueAt, planCrossings };
