import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A Redis lease (`SET NX PX`) that elects one instance among replicas. Each
 * acquisition takes a fencing token from a counter, so work stamped with an older
 * token can be told apart from the current holder's.
 */
export class RedisLease {
  private readonly owner = randomUUID();
  private token = 0;
  private heldUntil = 0;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** True while (or once) this instance holds the lease; renews it when already held. */
  async tryHold(): Promise<boolean> {
    // Counted from before the request: the lease surely lasts at least until then.
    const asked = Date.now();
    const token = this.token;
    if (token > 0) {
      const renewed = await this.redis.eval(RENEW, 1, this.key, this.owner, String(this.ttlMs));
      // Released while the renewal was on its way: not taken again.
      if (this.token !== token) return false;
      if (renewed === 1) {
        this.heldUntil = asked + this.ttlMs;
        return true;
      }
      // Gone (expired, taken, or lost with a Redis restart): taken again below if still free.
      this.token = 0;
      this.heldUntil = 0;
    }
    const acquired = await this.redis.set(this.key, this.owner, 'PX', this.ttlMs, 'NX');
    if (acquired !== 'OK') return false;
    this.token = await this.redis.incr(`${this.key}:fence`);
    this.heldUntil = asked + this.ttlMs;
    return true;
  }

  /**
   * Whether the lease is still this instance's by its own clock: false once the time it was
   * last renewed for has run out, even before the next `tryHold` says so (a process that was
   * paused past its lease must not act on it when it resumes).
   */
  stillHeld(): boolean {
    return this.token > 0 && Date.now() < this.heldUntil;
  }

  fencingToken(): number {
    return this.token;
  }

  async release(): Promise<void> {
    if (this.token === 0) return;
    this.token = 0;
    this.heldUntil = 0;
    await this.redis.eval(RELEASE, 1, this.key, this.owner);
  }
}

/**
 * Runs `task` every `intervalMs` on the one replica holding the lease. The lease
 * lives for three intervals, so a dead holder is replaced within that time.
 */
export class LeasedSchedule {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly lease: RedisLease,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly onError: (e: unknown) => void,
  ) {}

  start(): void {
    const tick = async () => {
      try {
        if (await this.lease.tryHold()) await this.task();
      } catch (e) {
        this.onError(e);
      }
    };
    this.timer = setInterval(() => {
      if (!this.running) this.running = tick().finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.lease.release().catch(this.onError);
  }
}
