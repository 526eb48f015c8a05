import type { RedisLease } from './lease';

/** Work that runs on one replica at a time: activated while the lease is held, deactivated once it is not. */
export interface LeasedWork {
  isActive(): boolean;
  activate(): Promise<void>;
  deactivate(): Promise<void>;
  /** A tick found the lease still held (renewed), with the work active or not. */
  stillHeld?(): void;
}

/**
 * Tries the lease every `intervalMs` (a third of its time to live, so a dead holder is replaced
 * within a lease time), activating the work once it holds it and deactivating it once it lost
 * it. Ticks never overlap; `stop` lets the running one finish, deactivates, releases.
 */
export class LeasedActivation {
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly lease: RedisLease,
    private readonly work: LeasedWork,
    private readonly intervalMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Set once `stop` was called: a loop of the work ends on it. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** The first tick (activating at once when the lease is free), then one per interval. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => {
      if (!this.ticking) this.ticking = this.tick().finally(() => (this.ticking = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await this.work.deactivate();
    await this.lease.release().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    try {
      const held = await this.lease.tryHold();
      if (held && !this.work.isActive() && !this.stopped) await this.work.activate();
      else if (held) this.work.stillHeld?.();
      if (!held && this.work.isActive()) await this.work.deactivate();
    } catch (e) {
      this.onError(e);
    }
  }
}
