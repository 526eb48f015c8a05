import { type SampleBatch, sampleBatchMessage } from '@vigil/contracts';
import { eventually, sleep } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(180_000);

/**
 * A restarted nats-server takes client connections before JetStream has recovered its streams.
 * nats.js then resumes a pull consumer with one consumer-info request and, when that fails,
 * tries again only after the pull's expiry (30 s): every reader of the platform sat idle that
 * long after a NATS restart under load (the soak bench's lag p99 of 58 s). Here the server comes
 * back first without JetStream, then with it: metrics-svc's sample reader must go on within a
 * few seconds (the durable worker's case: libs/messaging/src/reconnect.int.spec.ts).
 */
describe('readers after a NATS restart', () => {
  let platform: TestPlatform;

  beforeEach(async () => {
    platform = await new TestPlatform().setup();
  });
  afterEach(async () => {
    await platform.teardown();
  });

  async function counter(port: number, name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n'))
      if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{'))
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    return sum;
  }

  it('metrics-svc reads on within seconds once JetStream is back', async () => {
    const { port } = await platform.startMetrics({ LOG_LEVEL: 'warn', VIGIL_METRICS_FLUSH_MS: '200' });
    const { topology } = platform.bus;
    let seq = 0;
    const send = async (nodes: number) => {
      const at = Date.now();
      await Promise.all(
        Array.from({ length: nodes }, (_, n) => {
          const batch: SampleBatch = {
            nodeId: `nr-${n}`,
            seq: ++seq,
            timestamp: at,
            intervalMs: 1000,
            samples: [{ name: 'cpu', labels: {}, value: n }],
          };
          const m = sampleBatchMessage(topology, batch);
          return platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId });
        }),
      );
    };
    const batches = 'vigil_metrics_ingest_batches_total';
    await send(20);
    await eventually(async () => (await counter(port, batches)) >= 20, { timeoutMs: 30_000, what: 'first batches' });

    // The server restarts, answers without JetStream for a while, then restarts with it.
    await platform.nats.kill();
    await platform.nats.start({ jetstream: false });
    await sleep(4000);
    await platform.nats.kill();
    await platform.nats.start();
    const back = Date.now();
    const before = await counter(port, batches);
    // The test's own connection reconnects too; publish until the stream takes the batches.
    await eventually(
      async () => {
        await send(20);
        return true;
      },
      { timeoutMs: 20_000, what: 'publishing after the restart' },
    );
    const stored = Date.now();
    await eventually(async () => (await counter(port, batches)) >= before + 20, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'batches read after the restart',
    });
    const resumedMs = Date.now() - stored;
    console.log(`JetStream back; batches stored after ${stored - back} ms, read ${resumedMs} ms after that`);
    // nats.js alone: about 17 s after JetStream came back here (its retry waits for the pull's
    // expiry), 12 s after the batches were stored.
    expect(resumedMs).toBeLessThan(3_000);
  });
});
