import type { SupervisedProcess } from '@vigil/contracts';

export type RestartPolicy = Pick<SupervisedProcess, 'restart' | 'backoff' | 'maxRestarts' | 'restartWindowMs'>;

export type RestartDecision =
  { action: 'restart'; delayMs: number } | { action: 'stay-down' } | { action: 'give-up'; reason: string };

/**
 * What to do after the process ended. `failed` is any end other than exit code 0 (a
 * signal, a failed spawn, a kill because it was unhealthy). `restartTimesMs` are the
 * monotonic times of earlier restarts. The delay doubles with every restart still inside
 * the window, from `backoff.initialMs` up to `backoff.maxMs`, so it shrinks again once a
 * process stays up; `maxRestarts` restarts inside the window make the supervisor give up.
 */
export function decideRestart(
  policy: RestartPolicy,
  failed: boolean,
  restartTimesMs: readonly number[],
  nowMs: number,
): RestartDecision {
  if (policy.restart === 'never' || (policy.restart === 'on-failure' && !failed)) return { action: 'stay-down' };
  const recent = restartsWithinWindow(policy, restartTimesMs, nowMs).length;
  if (recent >= policy.maxRestarts) {
    return { action: 'give-up', reason: `${recent} restarts within ${policy.restartWindowMs} ms` };
  }
  return { action: 'restart', delayMs: Math.min(policy.backoff.maxMs, policy.backoff.initialMs * 2 ** recent) };
}

/** The restart times that still count against `maxRestarts`. */
export function restartsWithinWindow(
  policy: RestartPolicy,
  restartTimesMs: readonly number[],
  nowMs: number,
): number[] {
  return restartTimesMs.filter((t) => nowMs - t < policy.restartWindowMs);
}
