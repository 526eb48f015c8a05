import { dueSlot, cronOf } from './schedule';

const daily2am = { cron: '0 2 * * *', timeZone: 'UTC' };

describe('schedules', () => {
  it('finds the one run due: the latest schedule time after the last one handled', () => {
    const since = new Date('2026-12-06T02:00:00Z');
    expect(dueSlot(daily2am, since, new Date('2026-12-07T01:59:59Z'))).toBeUndefined();
    expect(dueSlot(daily2am, since, new Date('2026-12-07T02:00:00Z'))).toEqual(new Date('2026-12-07T02:00:00Z'));
    expect(dueSlot(daily2am, new Date('2026-12-07T02:00:00Z'), new Date('2026-12-07T02:00:05Z'))).toBeUndefined();
  });

  it('runs a schedule missed for three days once, at its latest time', () => {
    expect(dueSlot(daily2am, new Date('2026-12-03T02:00:00Z'), new Date('2026-12-07T09:00:00Z'))).toEqual(
      new Date('2026-12-07T02:00:00Z'),
    );
  });

  it('reads the cron in the job time zone', () => {
    const shanghai = { cron: '0 2 * * *', timeZone: 'Asia/Shanghai' };
    // 02:00 in Shanghai is 18:00 UTC the day before.
    expect(dueSlot(shanghai, new Date('2026-12-06T00:00:00Z'), new Date('2026-12-06T19:00:00Z'))).toEqual(
      new Date('2026-12-06T18:00:00Z'),
    );
  });

  it('refuses a cron it cannot read, saying why', () => {
    expect(() => cronOf({ cron: '99 2 * * *', timeZone: 'UTC' })).toThrow(
      /schedule "99 2 \* \* \*": Invalid value for minute/,
    );
    expect(() => cronOf({ cron: '0 2 * * * *', timeZone: 'UTC' })).toThrow(/schedule/);
  });
});
