import type { Scheduler } from '../scheduler';
import type { HealthProbe } from './health-probe';

export interface HealthCheckTiming {
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
}

/**
 * Probes one running process every `intervalMs`, the first time one interval after the
 * start (the process needs time to come up), each probe limited to `timeoutMs`. The
 * process is healthy from the first passing probe until `failureThreshold` probes in a row
 * have failed; that moment calls `onUnhealthy` once, and a passing probe ends the streak.
 */
export class HealthMonitor {
  private passing = false;
  private failuresInRow = 0;
  private stopped = false;
  private cancelNext?: () => void;
  private inFlight?: AbortController;

  constructor(
    private readonly probe: HealthProbe,
    private readonly timing: HealthCheckTiming,
    private readonly scheduler: Scheduler,
    private readonly onUnhealthy: (reason: string) => void,
  ) {}

  get healthy(): boolean {
    return this.passing;
  }

  start(): void {
    this.scheduleNext();
  }

  stop(): void {
    this.stopped = true;
    this.cancelNext?.();
    this.inFlight?.abort();
  }

  private scheduleNext(): void {
    this.cancelNext = this.scheduler.schedule(this.timing.intervalMs, () => void this.check());
  }

  private async check(): Promise<void> {
    const failure = await this.attempt();
    if (this.stopped) return;
    if (failure === undefined) {
      this.passing = true;
      this.failuresInRow = 0;
    } else if (++this.failuresInRow === this.timing.failureThreshold) {
      this.passing = false;
      this.onUnhealthy(failure);
    }
    if (!this.stopped) this.scheduleNext();
  }

  /** Runs the probe once; undefined when it passed, else why it failed. */
  private async attempt(): Promise<string | undefined> {
    const controller = new AbortController();
    this.inFlight = controller;
    let cancelTimeout = () => {};
    const timedOut = new Promise<string>((resolve) => {
      cancelTimeout = this.scheduler.schedule(this.timing.timeoutMs, () => {
        controller.abort();
        resolve(`no answer within ${this.timing.timeoutMs} ms`);
      });
    });
    const probed = this.probe(controller.signal).then(() => undefined, describeError);
    try {
      return await Promise.race([probed, timedOut]);
    } finally {
      cancelTimeout();
      this.inFlight = undefined;
    }
  }
}

/** fetch() and net errors keep the useful part (ECONNREFUSED …) in `cause`. */
function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message;
}
