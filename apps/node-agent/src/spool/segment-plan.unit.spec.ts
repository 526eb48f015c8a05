import { MAX_SEGMENT_BYTES, planAppend, segmentFileName, segmentIdOf, spoolLimits } from './segment-plan';

describe('spoolLimits', () => {
  it('cuts the spool into eighths, at most 8 MiB each', () => {
    expect(spoolLimits(512 * 1024 * 1024)).toEqual({ maxBytes: 512 * 1024 * 1024, segmentBytes: MAX_SEGMENT_BYTES });
    expect(spoolLimits(1024 * 1024).segmentBytes).toBe(128 * 1024);
  });
});

describe('planAppend', () => {
  const limits = { maxBytes: 1000, segmentBytes: 300 };

  it('appends to the current segment while the record fits it', () => {
    expect(planAppend([300, 100], 200, limits)).toEqual({ rotate: false, dropOldest: 0 });
  });

  it('starts a new segment when the current one would outgrow its size', () => {
    expect(planAppend([300, 250], 100, limits)).toEqual({ rotate: true, dropOldest: 0 });
  });

  it('gives a record larger than a segment a segment of its own', () => {
    expect(planAppend([0], 500, limits)).toEqual({ rotate: false, dropOldest: 0 });
    expect(planAppend([10], 500, limits)).toEqual({ rotate: true, dropOldest: 0 });
  });

  it('drops the oldest segments until the record fits the limit, never the current one', () => {
    expect(planAppend([300, 300, 300, 50], 100, limits)).toEqual({ rotate: false, dropOldest: 1 });
    expect(planAppend([300, 300, 300, 280], 100, limits)).toEqual({ rotate: true, dropOldest: 1 });
    expect(planAppend([300, 300, 300, 0], 1000, limits)).toEqual({ rotate: false, dropOldest: 3 });
  });

  it('refuses a record larger than the whole spool', () => {
    expect(planAppend([0], 1001, limits)).toBeUndefined();
  });
});

describe('segment file names', () => {
  it('sort like their ids and are told apart from other files', () => {
    expect(segmentFileName(42)).toBe('0000000000000042.seg');
    expect(segmentIdOf(segmentFileName(42))).toBe(42);
    expect(segmentIdOf('cursor')).toBeUndefined();
    expect(segmentIdOf('cursor.1a2b.tmp')).toBeUndefined();
  });
});
