import { decodeJson, SampleBatch, ValidationError } from '@vigil/contracts';
import { decodeSampleBatch } from './batch-decoder';

const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const valid = {
  nodeId: 'n-1',
  seq: 3,
  timestamp: 1_764_000_000_000,
  intervalMs: 1000,
  samples: [
    { name: 'node_load1', labels: {}, value: 0.5 },
    { name: 'node_cpu_usage_percent', labels: { cpu: '0' }, value: 12 },
    { name: 'node_uptime_seconds', value: 7 },
  ],
};

/** The hand-written fast path must accept exactly what the SampleBatch contract accepts. */
describe('decodeSampleBatch', () => {
  it('decodes a valid batch as the contract does (labels default to {})', () => {
    expect(decodeSampleBatch(enc(valid))).toEqual(SampleBatch.parse(valid));
  });

  const invalid: [string, unknown][] = [
    ['not JSON', '{"nodeId":'],
    ['a node id that is not a subject token', { ...valid, nodeId: 'a.b' }],
    ['a negative seq', { ...valid, seq: -1 }],
    ['a fractional timestamp', { ...valid, timestamp: 1.5 }],
    ['no interval', { ...valid, intervalMs: undefined }],
    ['a bad metric name', { ...valid, samples: [{ name: '1bad', labels: {}, value: 1 }] }],
    ['a bad label name', { ...valid, samples: [{ name: 'm', labels: { 'a-b': 'x' }, value: 1 }] }],
    ['a non-string label value', { ...valid, samples: [{ name: 'm', labels: { a: 1 }, value: 1 }] }],
    ['a value that is not a number', { ...valid, samples: [{ name: 'm', labels: {}, value: '1' }] }],
    ['a null value (NaN and Infinity encode as null)', { ...valid, samples: [{ name: 'm', labels: {}, value: null }] }],
    ['samples that are not an array', { ...valid, samples: {} }],
    ['too many samples', { ...valid, samples: Array.from({ length: 20_001 }, () => ({ name: 'm', labels: {}, value: 1 })) }],
  ];

  it.each(invalid)('refuses %s with the contract’s own error', (_what, body) => {
    expect(SampleBatch.safeParse(typeof body === 'string' ? undefined : body).success).toBe(false);
    let contractError: unknown;
    try {
      decodeJson(SampleBatch, enc(body), 'sample batch');
    } catch (e) {
      contractError = e;
    }
    expect(contractError).toBeInstanceOf(ValidationError);
    expect(() => decodeSampleBatch(enc(body))).toThrow((contractError as Error).message);
  });
});
