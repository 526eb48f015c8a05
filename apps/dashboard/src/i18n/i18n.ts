import { type Language, LANGUAGES, MESSAGES, type MessageKey } from './messages';

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** The language a reader gets first: their choice if saved, else the browser's, else English. */
export function initialLanguage(saved: string | null, browser: readonly string[]): Language {
  const known = LANGUAGES.find((l) => l === saved);
  if (known) return known;
  for (const tag of browser) {
    const lower = tag.toLowerCase();
    if (lower === 'zh' || lower.startsWith('zh-cn') || lower.startsWith('zh-hans') || lower === 'zh-sg') return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export function translator(lang: Language): Translate {
  const table = MESSAGES[lang];
  return (key, values) => {
    const text = table[key];
    if (!values) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
  };
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;

/** Numbers, sizes, dates and durations in the reader's language, all through Intl. */
export interface Formatters {
  number(n: number, maxFractionDigits?: number): string;
  /** 0.423 → 42.3 % */
  ratio(r: number): string;
  /** 42.3 (a percentage) → 42.3 % */
  percent(p: number): string;
  /** Decimal units (kB = 1000 B), as Intl names them. */
  bytes(n: number): string;
  bytesPerSecond(n: number): string;
  dateTime(t: string | number): string;
  time(t: string | number): string;
  /** How long ago (or until) `t`, from `now`. */
  relative(t: string | number, now: number): string;
  /** A length of time in seconds, e.g. 3 days 4 hours. */
  duration(seconds: number): string;
  /** Compares text as the reader's language sorts it (numbers numerically). */
  collator: Intl.Collator;
}

function scaled(n: number): { value: number; unit: (typeof UNITS)[number] } {
  let value = Math.abs(n);
  let i = 0;
  while (value >= 1000 && i < UNITS.length - 1) {
    value /= 1000;
    i++;
  }
  return { value: Math.sign(n) * value, unit: UNITS[i] };
}

export function formatters(lang: Language): Formatters {
  const numbers = new Map<number, Intl.NumberFormat>();
  const number = (n: number, max = 2) => {
    let f = numbers.get(max);
    if (!f) numbers.set(max, (f = new Intl.NumberFormat(lang, { maximumFractionDigits: max })));
    return f.format(n);
  };
  const pct = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
  const units = new Map<string, Intl.NumberFormat>();
  const unit = (value: number, name: string) => {
    let f = units.get(name);
    if (!f)
      units.set(
        name,
        (f = new Intl.NumberFormat(lang, {
          style: 'unit',
          unit: name,
          unitDisplay: 'short',
          maximumFractionDigits: 1,
        })),
      );
    return f.format(value);
  };
  const dateTime = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' });
  const time = new Intl.DateTimeFormat(lang, { timeStyle: 'medium' });
  const rel = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const toDate = (t: string | number) => new Date(t);
  type DurationFormatter = { format(d: Record<string, number>): string };
  const DurationFormat = (Intl as unknown as { DurationFormat?: new (l: string, o: object) => DurationFormatter })
    .DurationFormat;
  const durations = DurationFormat ? new DurationFormat(lang, { style: 'short' }) : undefined;
  return {
    number,
    ratio: (r) => pct.format(r),
    percent: (p) => pct.format(p / 100),
    bytes: (n) => {
      const s = scaled(n);
      return unit(s.value, s.unit);
    },
    bytesPerSecond: (n) => {
      const s = scaled(n);
      return unit(s.value, `${s.unit}-per-second`);
    },
    dateTime: (t) => dateTime.format(toDate(t)),
    time: (t) => time.format(toDate(t)),
    relative: (t, now) => {
      const seconds = Math.round((toDate(t).getTime() - now) / 1000);
      const abs = Math.abs(seconds);
      if (abs < 60) return rel.format(seconds, 'second');
      if (abs < 3600) return rel.format(Math.round(seconds / 60), 'minute');
      if (abs < 86_400) return rel.format(Math.round(seconds / 3600), 'hour');
      return rel.format(Math.round(seconds / 86_400), 'day');
    },
    duration: (seconds) => {
      const total = Math.max(0, Math.floor(seconds));
      const parts = {
        days: Math.floor(total / 86_400),
        hours: Math.floor((total % 86_400) / 3600),
        minutes: Math.floor((total % 3600) / 60),
      };
      if (durations) return durations.format(parts);
      const shown: string[] = [];
      if (parts.days) shown.push(unit(parts.days, 'day'));
      if (parts.hours) shown.push(unit(parts.hours, 'hour'));
      if (parts.minutes || shown.length === 0) shown.push(unit(parts.minutes, 'minute'));
      return shown.join(' ');
    },
    collator: new Intl.Collator(lang, { numeric: true, sensitivity: 'base' }),
  };
}
