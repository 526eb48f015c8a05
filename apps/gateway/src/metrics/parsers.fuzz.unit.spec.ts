import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { ValidationError, VigilError } from '@vigil/contracts';
import { fuzzAssert, fuzzTally, hostileString, recordFuzzRuns } from '@vigil/test-support';
import { parseMatchers, parsePromQL } from './promql';
import { latestRequest, rangeRequest, topKRequest } from './rest-params';
import { promStep, promTime, restStep, restTime } from './time-params';

/**
 * The gateway's own parsers of what a client writes (issue 19): PromQL, `match[]` selectors,
 * Prometheus and REST times and steps, the metrics API's query strings. With generated hostile
 * text each answers or refuses with the error vocabulary (a 4xx), in bounded time; anything else
 * would be a 500 (the route fuzzer covers the same through HTTP, far fewer cases).
 */

const TIME_LIMIT_MS = 1_000;

/** Runs `f`; a refusal must be a VigilError other than internal, and no call may take too long. */
function answersOrRefuses(what: string, f: () => unknown): void {
  const started = performance.now();
  try {
    f();
  } catch (e) {
    if (!(e instanceof VigilError) || e.type === 'internal') throw new Error(`${what} threw ${String(e)}`);
  } finally {
    const took = performance.now() - started;
    if (took > TIME_LIMIT_MS) throw new Error(`${what} took ${Math.round(took)} ms`);
  }
}

/** PromQL-looking text: its tokens and hostile strings mixed. */
const promqlish = fc.oneof(
  hostileString,
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'node_load1',
          'sum',
          'avg',
          'by',
          'without',
          'rate',
          'topk',
          '(',
          ')',
          '{',
          '}',
          '[5m]',
          ',',
          '=',
          '!=',
          '=~',
          '!~',
          '"a"',
          '"(a+)+$"',
          'cpu',
          ' ',
          '5',
          '1e309',
          'offset',
          '@',
          '"\\u0000"',
        ),
        hostileString,
      ),
      { maxLength: 16 },
    )
    .map((parts) => parts.join('')),
);

describe('the gateway parsers with hostile text (fast-check, fixed seed)', () => {
  afterAll(() => recordFuzzRuns('gateway-parsers', fuzzTally.runs, fuzzTally.failures));

  it('parsePromQL and parseMatchers answer or refuse with a ValidationError', () => {
    fuzzAssert(
      fc.property(promqlish, (text) => {
        answersOrRefuses('parsePromQL', () => parsePromQL(text));
        answersOrRefuses('parseMatchers', () => parseMatchers(text));
      }),
      3_000,
    );
  });

  it('times and steps, Prometheus and REST', () => {
    fuzzAssert(
      fc.property(fc.oneof(hostileString, fc.double().map(String), fc.bigInt().map(String)), (text) => {
        answersOrRefuses('promTime', () => promTime(text, 'start'));
        answersOrRefuses('promStep', () => promStep(text));
        answersOrRefuses('restTime', () => restTime(text, 'start', Date.now()));
        answersOrRefuses('restStep', () => restStep(text));
      }),
      3_000,
    );
  });

  it('the metrics API query strings (repeated keys as arrays, as express parses them)', () => {
    const names = [
      'metric',
      'match',
      'match[]',
      'node',
      'node_label',
      'start',
      'end',
      'step',
      'stat',
      'agg',
      'by',
      'k',
    ];
    const query = fc.dictionary(
      fc.oneof(fc.constantFrom(...names), hostileString),
      fc.oneof(promqlish, fc.array(promqlish, { maxLength: 3 })),
      { maxKeys: 6 },
    );
    fuzzAssert(
      fc.property(query, (q) => {
        answersOrRefuses('rangeRequest', () => rangeRequest(q, Date.now()));
        answersOrRefuses('topKRequest', () => topKRequest(q, Date.now()));
        answersOrRefuses('latestRequest', () => latestRequest(q));
      }),
      2_000,
    );
  });

  it('would fail on a parser that throws a TypeError', () => {
    expect(() =>
      answersOrRefuses('broken', () => {
        throw new TypeError('x is undefined');
      }),
    ).toThrow('broken threw TypeError');
    expect(() =>
      answersOrRefuses('refusing', () => {
        throw new ValidationError('step: not a duration');
      }),
    ).not.toThrow();
  });
});
