/**
 * Remembers which things are failing, so that a failure repeating every tick is logged
 * when it starts and when it ends rather than on every tick.
 */
export class FailureStreaks {
  private readonly failing = new Map<string, number>();

  /** Records a failure of `key`; true when it starts a streak. */
  failed(key: string): boolean {
    const streak = this.failing.get(key) ?? 0;
    this.failing.set(key, streak + 1);
    return streak === 0;
  }

  /** Records a success of `key`; the length of the streak it ends, 0 when there was none. */
  succeeded(key: string): number {
    const streak = this.failing.get(key) ?? 0;
    this.failing.delete(key);
    return streak;
  }
}
