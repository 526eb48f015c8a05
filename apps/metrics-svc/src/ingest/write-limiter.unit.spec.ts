import { WriteLimiter } from './write-limiter';

const tick = () => new Promise((r) => setImmediate(r));

describe('WriteLimiter', () => {
  it.each([1, 2, 3])('runs at most %i tasks at once, in arrival order, through failures', async (limit) => {
    const limiter = new WriteLimiter(limit);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const tasks = Array.from({ length: 8 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        for (let k = 0; k < 3; k++) await tick();
        running--;
        if (i === 2) throw new Error('write failed');
        return i;
      }),
    );
    const results = await Promise.allSettled(tasks);
    expect(most).toBe(limit);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    // Every place was given back: as many tasks can run at once as before.
    running = 0;
    most = 0;
    await Promise.all(
      Array.from({ length: limit }, () =>
        limiter.run(async () => (running++, (most = Math.max(most, running)), await tick(), running--)),
      ),
    );
    expect(most).toBe(limit);
  });
});
