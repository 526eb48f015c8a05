/** Time as the agent sees it; injected so that logic never reads the system clock itself. */
export interface Clock {
  /** Wall-clock Unix milliseconds (integer), for timestamps on the wire. */
  now(): number;
  /** Monotonic milliseconds, for measuring intervals: immune to wall-clock steps (NTP, manual changes). */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicMs: () => performance.now(),
};
