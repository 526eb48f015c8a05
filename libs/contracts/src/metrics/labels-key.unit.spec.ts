import { labelsKey } from './tiers';

/** The definition labelsKey must keep: the entries sorted by name, each as JSON.stringify writes it. */
const reference = (labels: Record<string, string>) =>
  `{${Object.keys(labels)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(labels[k])}`)
    .join(',')}}`;

describe('labelsKey', () => {
  it.each<Record<string, string>>([
    {},
    { cpu: '0' },
    { mode: 'user', cpu: '0' },
    { path: 'C:\\Program Files', quote: 'say "hi"', lines: 'a\nb', tab: '\t', ctrl: '\u0001' },
    { sep: '\u2028\u2029', emoji: '\ud83d\ude00', lone: '\ud800', accent: 'café', empty: '' },
    // Sorted by UTF-16 code units (upper case first, then "_", then lower case), by insertion up to 16 names.
    { zone: 'a', Zone: 'b', _z: 'c', z_: 'd', a1: 'e', a10: 'f', a2: 'g', é: 'h' },
    Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`l${15 - i}`, String(i)])),
    Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`n${(i * 17) % 40}`, String(i)])),
  ])('is the sorted JSON of %j', (labels) => {
    expect(labelsKey(labels)).toBe(reference(labels));
    expect(JSON.parse(labelsKey(labels))).toEqual(labels);
  });
});
