import { redactUrl } from '../logging/redact';

export interface DependencyCheck {
  name: string;
  /** A critical dependency that is down makes the report `error`; a non-critical one makes it `degraded`. Default true. */
  critical?: boolean;
  check(): Promise<void>;
}

export interface CheckResult {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'error';
  checks: Record<string, CheckResult>;
}

export interface HealthCheckerOptions {
  /** Per check. Default 2000. */
  timeoutMs?: number;
}

/** Runs every dependency check concurrently, each bounded by the timeout. */
export class HealthChecker {
  private readonly timeoutMs: number;

  constructor(
    private readonly checks: DependencyCheck[],
    opts: HealthCheckerOptions = {},
  ) {
    const names = checks.map((c) => c.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) throw new Error(`duplicate health check name: ${duplicate}`);
    this.timeoutMs = opts.timeoutMs ?? 2000;
  }

  async report(): Promise<HealthReport> {
    const results = await Promise.all(this.checks.map((check) => this.run(check)));
    const down = this.checks.filter((_, i) => results[i].status === 'down');
    const status = down.some((c) => c.critical ?? true) ? 'error' : down.length > 0 ? 'degraded' : 'ok';
    return { status, checks: Object.fromEntries(this.checks.map((c, i) => [c.name, results[i]])) };
  }

  private async run(check: DependencyCheck): Promise<CheckResult> {
    const started = performance.now();
    const latencyMs = (): number => Math.round(performance.now() - started);
    try {
      await withTimeout(check.check(), this.timeoutMs, `${check.name} check timed out after ${this.timeoutMs} ms`);
      return { status: 'up', latencyMs: latencyMs() };
    } catch (err) {
      return { status: 'down', latencyMs: latencyMs(), error: redactUrl(describe(err)) };
    }
  }
}

/** The check itself is not cancelled: a hung one keeps running, the report just stops waiting for it. */
async function withTimeout(work: Promise<void>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connection failures often come as an AggregateError with an empty message (one error per address tried). */
function describe(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') return err.errors.map(describe).join('; ');
  if (err instanceof Error) return err.message || ('code' in err ? String(err.code) : err.name);
  return String(err);
}
