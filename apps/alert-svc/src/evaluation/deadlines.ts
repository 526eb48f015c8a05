/** setTimeout's longest delay; a later deadline is reached in several arms. */
const MAX_DELAY_MS = 2 ** 31 - 1;

interface Entry {
  at: number;
  timer: NodeJS.Timeout;
  /** When the armed timer goes off. */
  armedFor: number;
}

/**
 * A deadline per key, each one timer. Moving a deadline later (a series seen again) only
 * records it: the armed timer, when it goes off early, arms again for the rest. So a
 * deadline moved on every sample costs one timer per period, not one per sample.
 */
export class Deadlines<K> {
  private readonly entries = new Map<K, Entry>();

  constructor(
    private readonly onDue: (key: K) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  set(key: K, at: number): void {
    const e = this.entries.get(key);
    if (e && e.armedFor <= at) {
      e.at = at;
      return;
    }
    if (e) clearTimeout(e.timer);
    this.entries.set(key, this.arm(key, at));
  }

  delete(key: K): void {
    const e = this.entries.get(key);
    if (!e) return;
    clearTimeout(e.timer);
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const e of this.entries.values()) clearTimeout(e.timer);
    this.entries.clear();
  }

  private arm(key: K, at: number): Entry {
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, at - this.clock()));
    const armedFor = this.clock() + delay;
    return { at, armedFor, timer: setTimeout(() => this.wake(key), delay) };
  }

  private wake(key: K): void {
    const e = this.entries.get(key);
    if (!e) return;
    if (e.at > this.clock()) {
      this.entries.set(key, this.arm(key, e.at));
      return;
    }
    this.entries.delete(key);
    this.onDue(key);
  }
}
