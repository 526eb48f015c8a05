import { checkPrintfFormat, formatG, humanize, humanize1024, humanizePercentage, printf } from './template-format';

describe('formatG (Go %.Ng)', () => {
  it.each([
    [85.3, 4, '85.3'],
    [85.34567, 4, '85.35'],
    [1234.4, 4, '1234'],
    [12346, 4, '1.235e+04'],
    [0.0001234, 4, '0.0001234'],
    [0.00001234, 4, '1.234e-05'],
    [0, 4, '0'],
    [-2.5, 4, '-2.5'],
    [100, 4, '100'],
    [NaN, 4, 'NaN'],
    [Infinity, 4, '+Inf'],
    [-Infinity, 4, '-Inf'],
    [3.14159, 2, '3.1'],
  ])('%p at %p digits is %p', (v, digits, text) => {
    expect(formatG(v, digits)).toBe(text);
  });
});

// Expected values are Prometheus' own (template_test.go) where it has them.
describe('humanize', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [999, '999'],
    [1000, '1k'],
    [1234567, '1.235M'],
    [1.2e12, '1.2T'],
    [-45000, '-45k'],
    [0.1, '100m'],
    [0.0012, '1.2m'],
    [1.5e-7, '150n'],
    [1e30, '1e+06Y'],
    [Infinity, '+Inf'],
    [NaN, 'NaN'],
  ])('%p → %p', (v, text) => {
    expect(humanize(v)).toBe(text);
  });
});

describe('humanize1024', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [0.5, '0.5'],
    [1023, '1023'],
    [1024, '1ki'],
    [1048576, '1Mi'],
    [1.5 * 1024 ** 3, '1.5Gi'],
    [-2048, '-2ki'],
  ])('%p → %p', (v, text) => {
    expect(humanize1024(v)).toBe(text);
  });
});

describe('humanizePercentage', () => {
  it.each([
    [0.853, '85.3%'],
    [0.85341, '85.34%'],
    [1, '100%'],
    [0, '0%'],
    [0.000012, '0.0012%'],
  ])('%p → %p', (v, text) => {
    expect(humanizePercentage(v)).toBe(text);
  });
});

describe('printf', () => {
  it.each([
    ['%.0f', [85.6], '86'],
    ['%.1f', [85.34], '85.3'],
    ['%.2f', [0.8567], '0.86'],
    ['%f', [1.5], '1.500000'],
    ['%.3g', [1234.5], '1.23e+03'],
    ['%d', [85.6], '86'],
    ['%d', ['12'], '12'],
    ['%s', [85.5], '85.5'],
    ['%v', ['sda'], 'sda'],
    ['%s on %s', ['/', 'n1'], '/ on n1'],
    ['%.1f%%', [85.34], '85.3%'],
    ['%.1f', ['not a number'], 'not a number'],
    ['%.1f', [undefined], ''],
    ['%d', [Infinity], '+Inf'],
  ])('%p with %p is %p', (format, args, text) => {
    expect(printf(format, args)).toBe(text);
  });
});

describe('checkPrintfFormat', () => {
  it.each([
    ['%.1f', 1, 0],
    ['%.1f%%', 1, 0],
    ['%s of %s', 2, 0],
    ['no verbs', 0, 0],
    ['%x', 0, 1],
    ['%5.1f', 0, 1],
    ['%.1f and %q', 1, 1],
    ['trailing %', 0, 1],
  ])('%p takes %p value(s) with %p problem(s)', (format, values, problems) => {
    const result = checkPrintfFormat(format);
    expect(result.values).toBe(values);
    expect(result.problems).toHaveLength(problems);
  });
});
