/** Runs at most `concurrency` tasks at once; the others wait their turn, first come first served. */
export class WriteLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly concurrency: number) {
    if (!(concurrency >= 1)) throw new Error(`concurrency must be at least 1, not ${concurrency}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // A waiter takes this task's place (the count stays); otherwise the place is free.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
