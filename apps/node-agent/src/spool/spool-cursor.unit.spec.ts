import { formatCursor, parseCursor } from './spool-cursor';

describe('cursor text', () => {
  it('round-trips a position and rejects anything else', () => {
    expect(parseCursor(formatCursor({ segment: 7, offset: 4096 }))).toEqual({ segment: 7, offset: 4096 });
    expect(parseCursor('')).toBeUndefined();
    expect(parseCursor('7')).toBeUndefined();
    expect(parseCursor('7 -1')).toBeUndefined();
  });
});
