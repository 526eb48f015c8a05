import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { startTracing, type TracingHandle, withSpan, createLogger } from '@vigil/telemetry';
import { Registry } from 'prom-client';
import { installProcessGuards, UNCAUGHT_EXIT_CODE } from './process-guards';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'guard-test', level: 'info', destination }) };
}

async function faults(registry: Registry, kind: string): Promise<number> {
  const m = registry.getSingleMetric('vigil_process_faults_total');
  return (await m!.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

describe('installProcessGuards: what escaped every handler', () => {
  let tracing: TracingHandle;
  beforeAll(() => {
    tracing = startTracing({ serviceName: 'guard-test', instrumentations: [] });
  });
  afterAll(() => tracing.shutdown());

  it('logs and counts an unhandled rejection, with the trace of the span it happened in, and does not exit', async () => {
    const proc = new EventEmitter();
    const registry = new Registry();
    const { lines, logger } = capture();
    const exits: number[] = [];
    installProcessGuards({ logger, registry, exit: (c) => exits.push(c) }, proc);
    let traceId = '';
    await withSpan('request', {}, async (span) => {
      traceId = span.spanContext().traceId;
      proc.emit('unhandledRejection', new Error('lost promise'), Promise.resolve());
    });
    proc.emit('unhandledRejection', 'a string reason', Promise.resolve());
    await new Promise((r) => setTimeout(r, 20));
    expect(exits).toEqual([]);
    expect(await faults(registry, 'unhandled_rejection')).toBe(2);
    expect(lines[0]).toMatchObject({
      level: 'error',
      fault: 'unhandled_rejection',
      trace_id: traceId,
      err: { message: 'lost promise' },
    });
    expect(lines[1]).toMatchObject({ level: 'error', fault: 'unhandled_rejection', err: 'a string reason' });
  });

  it('on an uncaught exception logs fatal, closes the service, then exits with a failure code for the supervisor', async () => {
    const proc = new EventEmitter();
    const registry = new Registry();
    const { lines, logger } = capture();
    const order: string[] = [];
    installProcessGuards(
      {
        logger,
        registry,
        close: async () => {
          order.push('close');
          await new Promise((r) => setTimeout(r, 30));
          order.push('closed');
        },
        exit: (c) => order.push(`exit ${c}`),
      },
      proc,
    );
    proc.emit('uncaughtException', new Error('state unknown'), 'uncaughtException');
    await new Promise((r) => setTimeout(r, 100));
    expect(order).toEqual(['close', 'closed', `exit ${UNCAUGHT_EXIT_CODE}`]);
    expect(UNCAUGHT_EXIT_CODE).not.toBe(0);
    expect(await faults(registry, 'uncaught_exception')).toBe(1);
    expect(lines[0]).toMatchObject({ level: 'fatal', fault: 'uncaught_exception', err: { message: 'state unknown' } });
  });

  it('exits even when closing hangs (bounded) or throws again', async () => {
    const proc = new EventEmitter();
    const exits: number[] = [];
    installProcessGuards(
      {
        logger: capture().logger,
        registry: new Registry(),
        close: () => new Promise(() => undefined),
        closeTimeoutMs: 50,
        exit: (c) => exits.push(c),
      },
      proc,
    );
    proc.emit('uncaughtException', new Error('first'));
    await new Promise((r) => setTimeout(r, 10));
    expect(exits).toEqual([]);
    // A second one while closing does not wait.
    proc.emit('uncaughtException', new Error('second'));
    expect(exits).toEqual([UNCAUGHT_EXIT_CODE]);
    await new Promise((r) => setTimeout(r, 80));
    expect(exits).toEqual([UNCAUGHT_EXIT_CODE, UNCAUGHT_EXIT_CODE]);
  });
});
