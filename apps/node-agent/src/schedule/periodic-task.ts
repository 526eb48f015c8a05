import type { Logger } from 'pino';

/**
 * Runs `task` at start and then every `intervalMs`, never overlapping itself: a tick
 * that comes while the previous run is still busy is skipped. A task that throws is
 * logged and runs again at the next tick.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly name: string,
    private intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.tick();
  }

  /** Runs every `intervalMs` from now on; a run in progress is not interrupted. */
  reschedule(intervalMs: number): void {
    if (intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  /** Runs the task now, unless it is running already; the schedule stays as it is. */
  runNow(): void {
    this.tick();
  }

  /** Stops the schedule and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.task()
      .catch((e: unknown) => this.logger.error({ err: e, task: this.name }, 'periodic task failed'))
      .finally(() => {
        this.running = undefined;
      });
  }
}
