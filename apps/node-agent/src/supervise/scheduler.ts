/** Runs callbacks later; injected (with the Clock) so restart and health timing is testable. */
export interface Scheduler {
  /** Runs `callback` once after `delayMs`; the returned function cancels it. */
  schedule(delayMs: number, callback: () => void): () => void;
}

export const systemScheduler: Scheduler = {
  schedule(delayMs, callback) {
    const timer = setTimeout(callback, delayMs);
    return () => clearTimeout(timer);
  },
};

/** Resolves with `true` when `work` settles within `timeoutMs`, `false` when the time ran out first. */
export async function settlesWithin(scheduler: Scheduler, work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let cancel = () => {};
  const timedOut = new Promise<false>((resolve) => {
    cancel = scheduler.schedule(timeoutMs, () => resolve(false));
  });
  try {
    return await Promise.race([work.then(() => true as const), timedOut]);
  } finally {
    cancel();
  }
}
