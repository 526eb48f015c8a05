import { generateApiKey, wellFormedApiKey } from './key-format';

describe('API key format', () => {
  it('is vgl_ + 30 base62 characters + a 6-character checksum, and different each time', () => {
    const keys = Array.from({ length: 200 }, generateApiKey);
    for (const k of keys) {
      expect(k).toMatch(/^vgl_[0-9A-Za-z]{36}$/);
      expect(wellFormedApiKey(k)).toBe(true);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('tells a mistyped or made-up key by its checksum', () => {
    const k = generateApiKey();
    const typo = k.slice(0, 10) + (k[10] === 'a' ? 'b' : 'a') + k.slice(11);
    expect(wellFormedApiKey(typo)).toBe(false);
    expect(wellFormedApiKey(`vgl_${'a'.repeat(36)}`)).toBe(false);
    expect(wellFormedApiKey(k.slice(0, -1))).toBe(false);
    expect(wellFormedApiKey('vat1.x.y')).toBe(false);
  });
});
