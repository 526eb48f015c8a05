import pino from 'pino';
import { collectHeapPeriodically } from './heap-collection';

describe('collectHeapPeriodically', () => {
  const logger = pino({ level: 'silent' });

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('collects every interval until stopped', () => {
    const gc = jest.fn();
    const stop = collectHeapPeriodically(logger, gc, 1_000);
    expect(gc).not.toHaveBeenCalled();
    jest.advanceTimersByTime(3_500);
    expect(gc).toHaveBeenCalledTimes(3);
    stop();
    jest.advanceTimersByTime(5_000);
    expect(gc).toHaveBeenCalledTimes(3);
  });

  it('does nothing, and logs at debug, where node exposes no gc', () => {
    // null, not undefined: a Jest worker that ran a spec setting --expose-gc before this one
    // exposes a (non-deletable) `gc` in every later context, which the default would find.
    const debug = jest.spyOn(logger, 'debug');
    const stop = collectHeapPeriodically(logger, null, 1_000);
    expect(jest.getTimerCount()).toBe(0);
    expect(debug).toHaveBeenCalledTimes(1);
    stop();
  });
});

describe('collectHeapPeriodically with real timers', () => {
  it('does not keep the process alive', () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const stop = collectHeapPeriodically(pino({ level: 'silent' }), () => undefined, 60_000);
    // An unref'd timer is not among the resources that keep the event loop alive.
    expect(timers()).toBe(before);
    stop();
  });
});
