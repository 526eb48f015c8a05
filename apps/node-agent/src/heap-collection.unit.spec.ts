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
    const debug = jest.spyOn(logger, 'debug');
    // Asked of setInterval itself: a count of every pending fake timer also counts others' (one
    // showed up once in a full run).
    const setInterval = jest.spyOn(globalThis, 'setInterval');
    const stop = collectHeapPeriodically(logger, undefined, 1_000);
    expect(setInterval).not.toHaveBeenCalled();
    expect(debug).toHaveBeenCalledTimes(1);
    stop();
    setInterval.mockRestore();
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
