import {
  checkSeriesLimits,
  decodeSampleBatch,
  LABEL_NAME_PATTERN,
  labelsKey,
  MAX_SAMPLES,
  METRIC_NAME_PATTERN,
  NODE_ID_PATTERN,
  parseSeriesList,
  SAMPLE_BATCH_WIRE_VERSION,
  storableText,
  type SampleBatch,
  SeriesLimitError,
  type SeriesList,
  ValidationError,
} from '@vigil/contracts';

/** A batch as the ingest folds it: the node's series string and one value per series. */
export interface IngestBatch {
  nodeId: string;
  seq: number;
  timestamp: number;
  /** The batch's series, one line each (the wire form's `series`). */
  series: string;
  /** The series decoded and checked; absent when `series` is the one the node sent last. */
  list?: SeriesList;
  values: number[];
}

/** The series string a node sent last and how many series it names, if the ingest knows it. */
export type KnownSeries = (nodeId: string) => { series: string; count: number } | undefined;

const unknown: KnownSeries = () => undefined;

/**
 * Decodes a sample batch on the ingest hot path. The checks are the sample batch contract's,
 * written out by hand because zod costs several times the JSON parse at this rate; a
 * columnar batch whose series string is the one its node sent last is not decoded again
 * (it was checked then). Anything the fast path refuses is decoded again by the contract
 * itself, so the error a DLQ entry carries is the contract's own message; a batch that breaks
 * one of the contract's SERIES_LIMITS throws a SeriesLimitError naming the limit.
 */
export function decodeIngestBatch(data: Uint8Array, known: KnownSeries = unknown): IngestBatch {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    raw = undefined;
  }
  const batch = raw === undefined ? undefined : fastDecode(raw, known);
  if (batch) return batch;
  // Throws the contract's ValidationError; if it somehow accepts, the fast path is wrong.
  const valid = decodeSampleBatch(data);
  throw new ValidationError(`sample batch refused by the ingest checks but valid by contract (node ${valid.nodeId})`);
}

/** The ingest form of a batch built in memory (version 1 on the wire, tests). */
export function ingestBatchOf(batch: Pick<SampleBatch, 'nodeId' | 'seq' | 'timestamp' | 'samples'>): IngestBatch {
  const n = batch.samples.length;
  const list: SeriesList = { names: new Array(n), labels: new Array(n), labelsKeys: new Array(n) };
  const values = new Array<number>(n);
  let series = '';
  for (let i = 0; i < n; i++) {
    const s = batch.samples[i];
    const labels = s.labels ?? {};
    const key = labelsKey(labels);
    list.names[i] = s.name;
    list.labels[i] = labels;
    list.labelsKeys[i] = key;
    values[i] = s.value;
    series += (i ? '\n' : '') + s.name + key;
  }
  return { nodeId: batch.nodeId, seq: batch.seq, timestamp: batch.timestamp, series, list, values };
}

function fastDecode(b: unknown, known: KnownSeries): IngestBatch | undefined {
  if (typeof b !== 'object' || b === null) return undefined;
  const o = b as Record<string, unknown>;
  if (typeof o.nodeId !== 'string' || !NODE_ID_PATTERN.test(o.nodeId)) return undefined;
  if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 0) return undefined;
  if (!Number.isSafeInteger(o.timestamp) || (o.timestamp as number) <= 0) return undefined;
  if (!Number.isSafeInteger(o.intervalMs) || (o.intervalMs as number) <= 0) return undefined;
  if (!('v' in o)) return fastValidV1(o) ? ingestBatchOf(o as unknown as SampleBatch) : undefined;
  if (o.v !== SAMPLE_BATCH_WIRE_VERSION || typeof o.series !== 'string') return undefined;
  const values = o.values;
  if (!Array.isArray(values)) return undefined;
  if (values.length > MAX_SAMPLES) throw new SeriesLimitError('series_per_batch', `${values.length} values`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  }
  const batch: IngestBatch = {
    nodeId: o.nodeId,
    seq: o.seq as number,
    timestamp: o.timestamp as number,
    series: o.series,
    values,
  };
  const last = known(o.nodeId);
  if (last !== undefined && last.series === o.series) return last.count === values.length ? batch : undefined;
  try {
    batch.list = parseSeriesList(o.series);
  } catch (e) {
    if (e instanceof SeriesLimitError) throw e;
    return undefined;
  }
  return batch.list.names.length === values.length ? batch : undefined;
}

function fastValidV1(o: Record<string, unknown>): boolean {
  const samples = o.samples;
  if (!Array.isArray(samples)) return false;
  if (samples.length > MAX_SAMPLES) throw new SeriesLimitError('series_per_batch', `${samples.length} samples`);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as Record<string, unknown>;
    if (typeof s !== 'object' || s === null) return false;
    if (typeof s.name !== 'string' || !METRIC_NAME_PATTERN.test(s.name)) return false;
    if (typeof s.value !== 'number' || !Number.isFinite(s.value)) return false;
    const labels = s.labels ?? {};
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return false;
    for (const k in labels) {
      const v = (labels as Record<string, unknown>)[k];
      if (!LABEL_NAME_PATTERN.test(k) || typeof v !== 'string' || !storableText(v)) return false;
    }
    checkSeriesLimits(s.name, labels as Record<string, string>, `sample ${i + 1}: `);
  }
  return true;
}
