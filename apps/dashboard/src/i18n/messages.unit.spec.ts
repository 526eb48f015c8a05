import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatters, initialLanguage, translator } from './i18n';
import { en, LANGUAGES, MESSAGES, type MessageKey } from './messages';

const SRC = join(__dirname, '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    // The tables themselves (messages.ts, messages-<feature>.ts) do not count as a use of their keys.
    else if (/\.tsx?$/.test(name) && !name.endsWith('.spec.ts') && !/^messages(-[\w-]+)?\.ts$/.test(name))
      out.push(path);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the console’s strings', () => {
  const keys = Object.keys(en) as MessageKey[];

  it('exist in every language, with the same placeholders', () => {
    expect(keys.length).toBeGreaterThan(100);
    for (const lang of LANGUAGES) {
      const table = MESSAGES[lang];
      expect([lang, Object.keys(table).sort()]).toEqual([lang, [...keys].sort()]);
      for (const key of keys) {
        expect([lang, key, table[key].trim().length > 0]).toEqual([lang, key, true]);
        expect([lang, key, placeholders(table[key])]).toEqual([lang, key, placeholders(en[key])]);
      }
    }
  });

  it('are all used by the console', () => {
    const code = sources(SRC)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = keys.filter((k) => !code.includes(`'${k}'`));
    expect(unused).toEqual([]);
  });

  it('never appear as literal text in the views (every string goes through the tables)', () => {
    const literal: string[] = [];
    for (const file of sources(SRC).filter((f) => f.endsWith('.tsx'))) {
      const text = readFileSync(file, 'utf8');
      // JSX text between tags (not after an arrow's `=>`), and text in labelling attributes.
      for (const m of text.matchAll(/(?<!=)>\s*([^<>{}\s][^<>{}]*?)\s*</g))
        if (/[A-Za-z\u4e00-\u9fff]/.test(m[1]) && !/[=;()&|]/.test(m[1]))
          literal.push(`${relative(SRC, file)}: ${m[1]}`);
      for (const m of text.matchAll(/\b(aria-label|title|placeholder|alt)="([^"]*)"/g))
        if (/[A-Za-z\u4e00-\u9fff]/.test(m[2])) literal.push(`${relative(SRC, file)}: ${m[1]}="${m[2]}"`);
    }
    expect(literal).toEqual([]);
  });

  it('fill in their values', () => {
    expect(translator('en')('table.rows', { from: 1, to: 20, total: '10,000' })).toBe('Rows 1–20 of 10,000');
    expect(translator('zh-CN')('table.rows', { from: 1, to: 20, total: '10,000' })).toBe('第 1–20 行，共 10,000 行');
  });
});

describe('the reader’s language and formats', () => {
  it('follows a saved choice, else the browser, else English', () => {
    expect(initialLanguage('zh-CN', ['en-US'])).toBe('zh-CN');
    expect(initialLanguage(null, ['zh-CN', 'en'])).toBe('zh-CN');
    expect(initialLanguage(null, ['zh-Hans-CN'])).toBe('zh-CN');
    expect(initialLanguage('fr', ['de-DE', 'en-GB'])).toBe('en');
    expect(initialLanguage(null, ['ja'])).toBe('en');
  });

  it('formats numbers, sizes, times and durations with Intl in each language', () => {
    const now = Date.parse('2026-12-07T20:00:00Z');
    const e = formatters('en');
    const z = formatters('zh-CN');
    expect(e.number(12345.678)).toBe('12,345.68');
    expect(e.ratio(0.4234)).toBe('42.3%');
    expect(e.percent(42.34)).toBe('42.3%');
    expect(e.bytes(1_500_000_000)).toBe('1.5 GB');
    expect(e.bytesPerSecond(2_000_000)).toBe('2 MB/s');
    expect(e.relative(now - 120_000, now)).toBe('2 minutes ago');
    expect(z.relative(now - 120_000, now)).toBe('2分钟前');
    expect(z.dateTime('2026-12-07T20:00:00Z')).toMatch(/2026年12月[78]日/);
    expect(e.duration(3 * 86_400 + 4 * 3600 + 120)).toMatch(/3\s?(days?|d).*4\s?(hr|h)/);
    expect(z.duration(3 * 86_400 + 4 * 3600 + 120)).toMatch(/3\s?天.*4\s?小时/);
  });
});
