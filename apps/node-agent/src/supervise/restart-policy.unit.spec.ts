import { decideRestart, type RestartPolicy } from './restart-policy';

const policy: RestartPolicy = {
  restart: 'on-failure',
  backoff: { initialMs: 1_000, maxMs: 8_000 },
  maxRestarts: 5,
  restartWindowMs: 60_000,
};

describe('decideRestart', () => {
  it.each([
    ['always', true, 'restart'],
    ['always', false, 'restart'],
    ['on-failure', true, 'restart'],
    ['on-failure', false, 'stay-down'],
    ['never', true, 'stay-down'],
    ['never', false, 'stay-down'],
  ] as const)('with restart=%s and failed=%s decides %s', (restart, failed, action) => {
    expect(decideRestart({ ...policy, restart }, failed, [], 0).action).toBe(action);
  });

  it('doubles the delay with every restart inside the window, up to the cap', () => {
    const delays = [[], [0], [0, 1], [0, 1, 2], [0, 1, 2, 3]].map((times) => decideRestart(policy, true, times, 10));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000].map((delayMs) => ({ action: 'restart', delayMs })));
  });

  it('gives up after maxRestarts restarts inside the window', () => {
    expect(decideRestart(policy, true, [0, 1, 2, 3, 4], 10)).toEqual({
      action: 'give-up',
      reason: '5 restarts within 60000 ms',
    });
    expect(decideRestart({ ...policy, maxRestarts: 0 }, true, [], 10)).toMatchObject({ action: 'give-up' });
  });

  it('forgets restarts that have left the window, so delay and count start over', () => {
    expect(decideRestart(policy, true, [0, 1, 2, 3, 4], 60_004)).toEqual({ action: 'restart', delayMs: 1_000 });
  });
});
