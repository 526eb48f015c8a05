import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseExposition } from './exposition-parser';

/** `curl http://127.0.0.1:9100/metrics` of Debian's prometheus-node-exporter 1.5.0 on a 2-vCPU VM. */
const nodeExporter = readFileSync(path.join(__dirname, 'fixtures', 'node-exporter-1.5.0.txt'), 'utf8');

describe('parseExposition', () => {
  describe('on a real node_exporter capture', () => {
    const exposition = parseExposition(nodeExporter);
    const find = (name: string, labels: Record<string, string> = {}) =>
      exposition.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

    it('parses every line', () => {
      expect(exposition.malformed).toEqual([]);
      const sampleLines = nodeExporter.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
      expect(exposition.samples).toHaveLength(sampleLines.length);
    });

    it('reads names, labels and values', () => {
      expect(find('node_load1')).toEqual({ name: 'node_load1', labels: {}, value: 0.69 });
      expect(find('node_cpu_seconds_total', { cpu: '0', mode: 'idle' })).toEqual({
        name: 'node_cpu_seconds_total',
        labels: { cpu: '0', mode: 'idle' },
        value: 4815.64,
      });
      expect(find('node_boot_time_seconds')?.value).toBe(1.795318085e9);
      expect(find('node_uname_info')?.labels).toMatchObject({
        domainname: '(none)',
        version: '#1 SMP PREEMPT_DYNAMIC @0',
      });
    });

    it('reads a summary as its quantile, _sum and _count series', () => {
      expect(exposition.metadata.get('go_gc_duration_seconds')).toEqual({
        type: 'summary',
        help: 'A summary of the pause duration of garbage collection cycles.',
      });
      const gc = exposition.samples.filter((s) => s.name.startsWith('go_gc_duration_seconds'));
      expect(gc.map((s) => [s.name, s.labels.quantile])).toEqual([
        ['go_gc_duration_seconds', '0'],
        ['go_gc_duration_seconds', '0.25'],
        ['go_gc_duration_seconds', '0.5'],
        ['go_gc_duration_seconds', '0.75'],
        ['go_gc_duration_seconds', '1'],
        ['go_gc_duration_seconds_sum', undefined],
        ['go_gc_duration_seconds_count', undefined],
      ]);
    });

    it('reads HELP and TYPE of every family', () => {
      expect(exposition.metadata.get('node_cpu_seconds_total')).toEqual({
        type: 'counter',
        help: 'Seconds the CPUs spent in each mode.',
      });
      expect(exposition.metadata.get('node_disk_info')?.help).toBe('Info of /sys/block/<block_device>.');
      expect([...exposition.metadata.values()].every((m) => m.type && m.help !== undefined)).toBe(true);
    });
  });

  it('unescapes backslashes, quotes and newlines in label values and HELP', () => {
    const exposition = parseExposition(
      [
        '# HELP weird_info A \\\\ backslash and a\\nnewline, \\"quotes\\" kept.',
        '# TYPE weird_info gauge',
        'weird_info{path="C:\\\\Program Files\\\\x",quote="say \\"hi\\"",lines="a\\nb",empty=""} 1',
      ].join('\n'),
    );
    expect(exposition.malformed).toEqual([]);
    expect(exposition.metadata.get('weird_info')?.help).toBe('A \\ backslash and a\nnewline, \\"quotes\\" kept.');
    expect(exposition.samples[0].labels).toEqual({
      path: 'C:\\Program Files\\x',
      quote: 'say "hi"',
      lines: 'a\nb',
      empty: '',
    });
  });

  it('reads timestamps, NaN and infinities, and floats in every notation', () => {
    const { samples, malformed } = parseExposition(
      ['a 1 1700000000000', 'b NaN', 'c +Inf', 'd -Inf 1700000000001', 'e -1.5e-3', 'f 1E+3', 'g .5', 'h -0'].join(
        '\n',
      ),
    );
    expect(malformed).toEqual([]);
    expect(samples.map((s) => [s.name, s.value, s.timestampMs])).toEqual([
      ['a', 1, 1_700_000_000_000],
      ['b', NaN, undefined],
      ['c', Infinity, undefined],
      ['d', -Infinity, 1_700_000_000_001],
      ['e', -0.0015, undefined],
      ['f', 1000, undefined],
      ['g', 0.5, undefined],
      ['h', -0, undefined],
    ]);
  });

  it('reads a histogram as its _bucket, _sum and _count series', () => {
    const { samples, metadata } = parseExposition(
      [
        '# HELP http_request_duration_seconds Request latency.',
        '# TYPE http_request_duration_seconds histogram',
        'http_request_duration_seconds_bucket{handler="/",le="0.1"} 3',
        'http_request_duration_seconds_bucket{handler="/",le="+Inf"} 5',
        'http_request_duration_seconds_sum{handler="/"} 0.9',
        'http_request_duration_seconds_count{handler="/"} 5',
      ].join('\n'),
    );
    expect(metadata.get('http_request_duration_seconds')?.type).toBe('histogram');
    expect(samples).toEqual([
      { name: 'http_request_duration_seconds_bucket', labels: { handler: '/', le: '0.1' }, value: 3 },
      { name: 'http_request_duration_seconds_bucket', labels: { handler: '/', le: '+Inf' }, value: 5 },
      { name: 'http_request_duration_seconds_sum', labels: { handler: '/' }, value: 0.9 },
      { name: 'http_request_duration_seconds_count', labels: { handler: '/' }, value: 5 },
    ]);
  });

  it('accepts blanks around tokens, a trailing comma, CRLF and ordinary comments', () => {
    const { samples, malformed } = parseExposition(
      '# just a comment\r\n\r\n  spaced { a = "1" ,\tb="2", }\t7  \r\nempty{} 2\n',
    );
    expect(malformed).toEqual([]);
    expect(samples).toEqual([
      { name: 'spaced', labels: { a: '1', b: '2' }, value: 7 },
      { name: 'empty', labels: {}, value: 2 },
    ]);
  });

  it('takes names as written, leaving their validation to the caller', () => {
    const { samples } = parseExposition('my-metric{label.with.dots="x"} 1');
    expect(samples).toEqual([{ name: 'my-metric', labels: { 'label.with.dots': 'x' }, value: 1 }]);
  });

  it('reports malformed lines with their number and goes on with the next', () => {
    const { samples, malformed } = parseExposition(
      [
        'ok_before 1',
        'no_value',
        'bad_value{a="1"} one',
        'unterminated{a="1} 2',
        'bad_escape{a="\\t"} 1',
        'twice{a="1",a="2"} 1',
        'no_equals{a "1"} 1',
        'bad_timestamp 1 12.5',
        'too_much 1 2 3',
        '# TYPE mystery enum',
        'ok_after 2',
      ].join('\n'),
    );
    expect(samples.map((s) => s.name)).toEqual(['ok_before', 'ok_after']);
    expect(malformed).toEqual([
      { line: 2, reason: 'a sample line needs a value' },
      { line: 3, reason: 'invalid value "one"' },
      { line: 4, reason: 'a label value is missing its closing quote' },
      { line: 5, reason: 'invalid escape "\\t" in a label value' },
      { line: 6, reason: 'label a appears twice' },
      { line: 7, reason: 'expected "=" at column 13' },
      { line: 8, reason: 'invalid timestamp "12.5"' },
      { line: 9, reason: 'unexpected "3" after the timestamp' },
      { line: 10, reason: 'unknown metric type "enum" for mystery' },
    ]);
  });

  it('keeps a label named __proto__ as an ordinary label', () => {
    const { samples } = parseExposition('odd{__proto__="x"} 1');
    expect(Object.getPrototypeOf(samples[0].labels)).toBe(Object.prototype);
    expect(Object.keys(samples[0].labels)).toEqual(['__proto__']);
  });
});
