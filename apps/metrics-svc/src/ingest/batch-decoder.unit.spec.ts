import {
  decodeSampleBatch,
  encodeSampleBatch,
  parseSeriesList,
  SampleBatch,
  SERIES_LIMITS,
  type SeriesLimit,
  SeriesLimitError,
  seriesLine,
  ValidationError,
} from '@vigil/contracts';
import { decodeIngestBatch, ingestBatchOf, type IngestBatch } from './batch-decoder';
import { PartitionState } from './partition-state';

const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const v1 = {
  nodeId: 'n-1',
  seq: 3,
  timestamp: 1_764_000_000_000,
  intervalMs: 1000,
  samples: [
    { name: 'node_load1', labels: {}, value: 0.5 },
    { name: 'node_cpu_usage_percent', labels: { cpu: '0', mode: 'user' }, value: 12 },
    { name: 'node_uptime_seconds', value: 7 },
  ],
};
const v2 = JSON.parse(Buffer.from(encodeSampleBatch(SampleBatch.parse(v1))).toString('utf8'));

/** What a decoded batch says, whatever its form: node, seq, timestamp and each sample. */
function samplesOf(b: IngestBatch, list = b.list!) {
  return {
    nodeId: b.nodeId,
    seq: b.seq,
    timestamp: b.timestamp,
    samples: b.values.map((value, i) => ({ name: list.names[i], labels: list.labels[i], value })),
  };
}

/** The contract's error for `body`, which the fast path must throw too. */
function contractError(body: unknown): Error {
  try {
    decodeSampleBatch(enc(body));
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as Error;
  }
  throw new Error('the contract accepted it');
}

describe('decodeIngestBatch', () => {
  it('writes version 2: one series string and one array of values', () => {
    expect(v2).toEqual({
      v: 2,
      nodeId: 'n-1',
      seq: 3,
      timestamp: 1_764_000_000_000,
      intervalMs: 1000,
      series: 'node_load1{}\nnode_cpu_usage_percent{"cpu":"0","mode":"user"}\nnode_uptime_seconds{}',
      values: [0.5, 12, 7],
    });
  });

  it('decodes version 2 and version 1 to the same samples as the contract (labels default to {})', () => {
    const contract = SampleBatch.parse(v1);
    const want = {
      nodeId: contract.nodeId,
      seq: contract.seq,
      timestamp: contract.timestamp,
      samples: contract.samples,
    };
    expect(samplesOf(decodeIngestBatch(enc(v2)))).toEqual(want);
    expect(samplesOf(decodeIngestBatch(enc(v1)))).toEqual(want);
    expect(decodeSampleBatch(enc(v2))).toEqual(contract);
    expect(decodeIngestBatch(enc(v1)).series).toBe(v2.series);
  });

  it('does not decode a node’s series again while they stay the same, and folds them into the same series', () => {
    const state = new PartitionState({ resumeSeq: 0, flushed: new Map() });
    const first = decodeIngestBatch(enc(v2), state.knownSeries);
    expect(first.list).toBeDefined();
    state.fold(1, first);
    const second = decodeIngestBatch(
      enc({ ...v2, seq: 4, timestamp: v2.timestamp + 1000, values: [1, 2, 3] }),
      state.knownSeries,
    );
    expect(second.list).toBeUndefined();
    state.fold(2, second);
    // A new series list (one series more) is decoded and checked again.
    const grown = decodeIngestBatch(
      enc({ ...v2, seq: 5, series: `${v2.series}\nnode_load5{}`, values: [1, 2, 3, 4] }),
      state.knownSeries,
    );
    expect(grown.list?.names).toEqual(['node_load1', 'node_cpu_usage_percent', 'node_uptime_seconds', 'node_load5']);
    state.fold(3, grown);
    expect(state.seriesCount()).toBe(4);
    const live = state.takeLive().groups.flatMap((g) => g.slots.map((s) => [s.metric, s.recent?.count, s.recent?.sum]));
    expect(live).toEqual([
      ['node_load1', 3, 2.5],
      ['node_cpu_usage_percent', 3, 16],
      ['node_uptime_seconds', 3, 13],
      ['node_load5', 1, 4],
    ]);
    // The same series string with a different number of values is refused, known or not.
    const short = enc({ ...v2, seq: 6, series: grown.series, values: [1] });
    expect(() => decodeIngestBatch(short, state.knownSeries)).toThrow(ValidationError);
  });

  it('gives a batch built in memory the series string the agent sends', () => {
    expect(ingestBatchOf(SampleBatch.parse(v1)).series).toBe(v2.series);
    expect(parseSeriesList(v2.series).labels[1]).toEqual({ cpu: '0', mode: 'user' });
  });

  const invalid: [string, unknown][] = [
    ['not JSON', '{"nodeId":'],
    ['a node id that is not a subject token', { ...v2, nodeId: 'a.b' }],
    ['a negative seq', { ...v2, seq: -1 }],
    ['a fractional timestamp', { ...v2, timestamp: 1.5 }],
    ['no interval', { ...v2, intervalMs: undefined }],
    ['an unknown version', { ...v2, v: 3 }],
    ['a series string that is not a string', { ...v2, series: ['node_load1{}'] }],
    ['a bad metric name', { ...v2, series: '1bad{}', values: [1] }],
    ['a bad label name', { ...v2, series: 'm{"a-b":"x"}', values: [1] }],
    ['a non-string label value', { ...v2, series: 'm{"a":1}', values: [1] }],
    ['labels that are not JSON', { ...v2, series: 'm{a="x"}', values: [1] }],
    ['labels out of canonical order', { ...v2, series: 'm{"b":"1","a":"2"}', values: [1] }],
    ['fewer values than series', { ...v2, values: [1, 2] }],
    ['a value that is not a number', { ...v2, values: [1, '2', 3] }],
    ['a null value (NaN and Infinity encode as null)', { ...v2, values: [1, null, 3] }],
    ['version 1: a bad metric name', { ...v1, samples: [{ name: '1bad', labels: {}, value: 1 }] }],
    ['version 1: a bad label name', { ...v1, samples: [{ name: 'm', labels: { 'a-b': 'x' }, value: 1 }] }],
    ['version 1: a non-string label value', { ...v1, samples: [{ name: 'm', labels: { a: 1 }, value: 1 }] }],
    ['version 1: a value that is not a number', { ...v1, samples: [{ name: 'm', labels: {}, value: '1' }] }],
    ['version 1: a null value', { ...v1, samples: [{ name: 'm', labels: {}, value: null }] }],
    // Found by fuzzing (issue 19): text Postgres cannot store in the series table.
    ['a label value with U+0000', { ...v2, series: 'm{"a":"\\u0000"}', values: [1] }],
    ['a label value with an unpaired surrogate', { ...v2, series: 'm{"a":"\\ud800"}', values: [1] }],
    ['version 1: a label value with U+0000', { ...v1, samples: [{ name: 'm', labels: { a: 'x\u0000' }, value: 1 }] }],
    ['version 1: samples that are not an array', { ...v1, samples: {} }],
  ];

  it.each(invalid)('refuses %s with the contract’s own error', (_what, body) => {
    const error = contractError(body);
    expect(() => decodeIngestBatch(enc(body))).toThrow(error.message);
  });

  it('refuses a known series string with the wrong number of values, as the contract does', () => {
    const body = { ...v2, values: [1] };
    const error = contractError(body);
    expect(() => decodeIngestBatch(enc(body), () => ({ series: v2.series, count: 3 }))).toThrow(error.message);
  });

  describe('the named limits of a series (SERIES_LIMITS)', () => {
    const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
    const labelsOf = (n: number, value = 'x') => Object.fromEntries(many(n, (i) => [`l${i}`, value] as const));
    const v2Of = (samples: { name: string; labels: Record<string, string> }[]) => ({
      ...v2,
      series: samples.map((s) => seriesLine(s.name, s.labels)).join('\n'),
      values: samples.map(() => 1),
    });
    const v1Of = (samples: { name: string; labels: Record<string, string> }[]) => ({
      ...v1,
      samples: samples.map((s) => ({ ...s, value: 1 })),
    });
    const over: [SeriesLimit, { name: string; labels: Record<string, string> }[]][] = [
      ['labels_per_series', [{ name: 'm', labels: labelsOf(33) }]],
      ['label_name_bytes', [{ name: 'm', labels: { ['n'.repeat(129)]: 'x' } }]],
      // 513 characters of two bytes each: the limit is in bytes.
      ['label_value_bytes', [{ name: 'm', labels: { v: 'é'.repeat(513) } }]],
      ['metric_name_bytes', [{ name: 'm'.repeat(201), labels: {} }]],
      ['series_bytes', [{ name: 'm', labels: labelsOf(9, 'y'.repeat(1000)) }]],
      ['series_per_batch', many(20_001, (i) => ({ name: 'm', labels: { i: String(i) } }))],
    ];

    it.each(over)(
      'refuses a batch over %s, in both versions, naming the limit as the contract does',
      (limit, samples) => {
        for (const body of [v2Of(samples), v1Of(samples)]) {
          let caught: unknown;
          try {
            decodeIngestBatch(enc(body));
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(SeriesLimitError);
          expect((caught as SeriesLimitError).limit).toBe(limit);
          expect((caught as Error).message).toMatch(
            new RegExp(`^limit ${limit} \\(${SERIES_LIMITS[limit]}\\) exceeded: `),
          );
          expect(contractError(body).message).toContain(`limit ${limit} (${SERIES_LIMITS[limit]}) exceeded`);
        }
      },
    );

    it('accepts a series at every limit, and the same series string again from the known series', () => {
      const atLimit = [
        { name: 'm'.repeat(200), labels: labelsOf(32) },
        { name: 'm', labels: { ['n'.repeat(128)]: 'é'.repeat(512) } },
        { name: 'm', labels: labelsOf(8, 'y'.repeat(1000)) },
      ];
      const body = v2Of(atLimit);
      const batch = decodeIngestBatch(enc(body));
      expect(batch.list?.names.map((n) => n.length)).toEqual([200, 1, 1]);
      expect(decodeIngestBatch(enc(v1Of(atLimit))).values).toEqual([1, 1, 1]);
      expect(decodeIngestBatch(enc(body), () => ({ series: body.series, count: 3 })).list).toBeUndefined();
      expect(decodeSampleBatch(enc(body)).samples).toHaveLength(3);
    });
  });
});
