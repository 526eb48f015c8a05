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
  ])('is the sorted JSON of %j', (labels) => {
    expect(labelsKey(labels)).toBe(reference(labels));
    expect(JSON.parse(labelsKey(labels))).toEqual(labels);
  });
});
