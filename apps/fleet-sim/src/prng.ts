/**
 * Deterministic randomness: every "random" value of the simulator is a pure function of
 * integers (seed, node, metric, time bucket), so the same seed gives the same fleet and
 * the same curves on every run and in every process.
 */

/** Final mix of MurmurHash3: spreads every input bit over the 32-bit result. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of a list of integers (each taken modulo 2^32). */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) h = fmix32(h ^ fmix32(part >>> 0));
  return h;
}

/** A uniform number in [0, 1) determined by `parts`. */
export function unitHash(...parts: number[]): number {
  return hash32(...parts) / 0x1_0000_0000;
}

/**
 * Smooth noise in [-1, 1]: random values at every multiple of `periodMs`, blended with
 * a smoothstep in between, so the curve wanders without jumping.
 */
export function valueNoise(key: number, timeMs: number, periodMs: number): number {
  const position = timeMs / periodMs;
  const bucket = Math.floor(position);
  const f = position - bucket;
  const blend = f * f * (3 - 2 * f);
  const a = unitHash(key, bucket) * 2 - 1;
  const b = unitHash(key, bucket + 1) * 2 - 1;
  return a + (b - a) * blend;
}

/** Mulberry32: a small seeded generator, for drawing a node's fixed traits one after another. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
