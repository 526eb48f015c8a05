import { truncateChars, truncateUtf8 } from './text-limits';

describe('truncateUtf8', () => {
  it('leaves text within the limit alone', () => {
    expect(truncateUtf8('告警', 6)).toBe('告警');
  });

  it('never splits a multi-byte character', () => {
    // 告 is 3 bytes, 🔥 is 4 bytes: with a 1-byte marker, 8 bytes leave room for 告告 (6) but not 告告🔥 (10).
    expect(truncateUtf8('告告🔥x', 8, '~')).toBe('告告~');
    for (let max = 1; max <= 20; max++) {
      const cut = truncateUtf8('a告🔥b告🔥c告🔥', max, '…');
      expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(Math.max(max, 3));
      expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
      expect(cut).not.toMatch(/[\uD800-\uDFFF](?![\uDC00-\uDFFF])/u);
    }
  });
});

describe('truncateChars', () => {
  it('cuts to the limit with the marker, keeping surrogate pairs whole', () => {
    expect(truncateChars('abcdef', 4)).toBe('abc…');
    expect(truncateChars('ab🔥cd', 4)).toBe('ab…');
    expect(truncateChars('abc', 3)).toBe('abc');
  });
});
