import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  BusyError,
  createTopology,
  LimitExceededError,
  type QueryDefinition,
  RESULT_TOO_LARGE,
  type Topology,
  z,
} from '@vigil/contracts';
import { createLogger } from '@vigil/telemetry';
import { eventually, freePort, natsServerBinary, testUrls, uniqueId } from '@vigil/test-support';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  currentQuery,
  maxReplyBytes,
  QueryLimiter,
  requestEveryReplica,
  requestQuery,
  type RpcServerDeps,
  serveQuery,
} from './rpc';

jest.setTimeout(30_000);

/** A query that answers `bytes` of filler after `delayMs`, and says which query scope its handler ran in. */
const blob: QueryDefinition<
  z.ZodObject<{ bytes: z.ZodNumber; delayMs: z.ZodNumber }>,
  z.ZodObject<{ filler: z.ZodString; scope: z.ZodOptional<z.ZodString> }>
> = {
  kind: 'qry',
  context: 'rpctest',
  what: 'blob',
  request: z.object({ bytes: z.number().int().min(0), delayMs: z.number().int().min(0) }),
  reply: z.object({ filler: z.string(), scope: z.string().optional() }),
};
const blobCommand = { ...blob, kind: 'cmd' as const, what: 'blob-cmd' };

function instruments() {
  const registry = new Registry();
  return {
    registry,
    messages: new Counter({ name: 'm', help: 'm', labelNames: ['subject', 'result'], registers: [registry] }),
    duration: new Histogram({ name: 'd', help: 'd', labelNames: ['subject'], registers: [registry] }),
    refused: new Counter({ name: 'r', help: 'r', labelNames: ['subject', 'reason'], registers: [registry] }),
    inFlight: new Gauge({ name: 'g', help: 'g', registers: [registry] }),
  };
}

async function refusedCount(c: Counter<'subject' | 'reason'>, reason: string): Promise<number> {
  return (await c.get()).values.filter((v) => v.labels.reason === reason).reduce((n, v) => n + v.value, 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a handler may return is bounded by the server; nothing a handler returns may reject in the process. */
describe('serveQuery replies that do not fit, cannot be sent, or find the service busy', () => {
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);
  let server: NatsConnection;
  let client: NatsConnection;
  let topology: Topology;
  let subs: Subscription[] = [];
  let m: ReturnType<typeof instruments>;

  /** Subscribes, and waits for the server to have the subscriptions (the client is another connection). */
  async function serve(nc: NatsConnection, queries?: QueryLimiter, top = topology): Promise<RpcServerDeps> {
    const deps: RpcServerDeps = {
      nc,
      topology: top,
      logger: createLogger({ service: 'rpc-test', level: 'silent' }),
      messages: m.messages,
      duration: m.duration,
      refused: m.refused,
      queries,
    };
    const handler = async (r: { bytes: number; delayMs: number }) => {
      if (r.delayMs) await sleep(r.delayMs);
      return { filler: 'x'.repeat(r.bytes), scope: currentQuery() };
    };
    subs.push(serveQuery(deps, blob, handler), serveQuery(deps, blobCommand, handler));
    await nc.flush();
    return deps;
  }

  beforeAll(() => process.on('unhandledRejection', onRejection));
  afterAll(() => process.off('unhandledRejection', onRejection));
  beforeEach(async () => {
    m = instruments();
    topology = createTopology(uniqueId(), 1);
    server = await connect({ servers: testUrls.nats, name: 'rpc-test-server' });
    client = await connect({ servers: testUrls.nats, name: 'rpc-test-client' });
    rejections.length = 0;
  });
  afterEach(async () => {
    for (const s of subs) s.unsubscribe();
    subs = [];
    await client.close();
    if (!server.isClosed()) await server.close();
    expect(rejections).toEqual([]);
  });

  it('answers a reply larger than the connection max_payload with "result too large", and keeps serving', async () => {
    await serve(server);
    const max = maxReplyBytes(server);
    expect(max).toBe(server.info!.max_payload);
    const started = Date.now();
    const err = await requestQuery(client, topology, blob, { bytes: max + 10, delayMs: 0 }, 5000).catch((e) => e);
    // An answer, not the requester's timeout.
    expect(Date.now() - started).toBeLessThan(4000);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as Error).message).toContain(RESULT_TOO_LARGE);
    expect((err as LimitExceededError).details).toMatchObject({ maxReplyBytes: max });
    expect(await refusedCount(m.refused, 'too_large')).toBe(1);

    // The same subscription still answers what fits.
    const ok = await requestQuery(client, topology, blob, { bytes: 1000, delayMs: 0 }, 5000);
    expect(ok.filler).toHaveLength(1000);
    expect(ok.scope).toBe('qry.rpctest.blob');
  });

  it('takes the limit from the server the connection is on (a private nats-server with max_payload 64 KiB)', async () => {
    const binary = natsServerBinary();
    if (!binary) return; // CI=true throws above instead
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rpc-'));
    const port = await freePort();
    writeFileSync(join(dir, 'nats.conf'), `listen: "127.0.0.1:${port}"\nmax_payload: 65536\n`);
    const child: ChildProcess = spawn(binary, ['-c', join(dir, 'nats.conf')], { stdio: 'ignore' });
    try {
      const url = `nats://127.0.0.1:${port}`;
      const [small, smallClient] = await eventually(
        async () => [await connect({ servers: url }), await connect({ servers: url })] as const,
        { what: 'the private nats-server' },
      );
      try {
        const top = createTopology(uniqueId(), 1);
        await serve(small, undefined, top);
        expect(maxReplyBytes(small)).toBe(65536);
        const fits = await requestQuery(smallClient, top, blob, { bytes: 60_000, delayMs: 0 }, 5000);
        expect(fits.filler).toHaveLength(60_000);
        const err = await requestQuery(smallClient, top, blob, { bytes: 70_000, delayMs: 0 }, 5000).catch((e) => e);
        expect(err).toBeInstanceOf(LimitExceededError);
        expect((err as LimitExceededError).details).toMatchObject({ maxReplyBytes: 65536 });
      } finally {
        for (const s of subs) s.unsubscribe();
        subs = [];
        await small.close();
        await smallClient.close();
      }
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('survives a reply that cannot be delivered (its connection closed while the handler ran)', async () => {
    await serve(server);
    const pending = requestQuery(client, topology, blob, { bytes: 10, delayMs: 300 }, 1500).catch((e) => e);
    await sleep(100);
    await server.close();
    const err = await pending;
    // nats.js drops a publish on a closed connection without throwing: the requester times out,
    // and the process has no rejection to die of (checked after each test).
    expect((err as Error).message).toMatch(/timed out|no rpctest service/);
    await sleep(200);
    // A new replica serves on.
    server = await connect({ servers: testUrls.nats, name: 'rpc-test-server-2' });
    await serve(server);
    expect((await requestQuery(client, topology, blob, { bytes: 5, delayMs: 0 }, 5000)).filler).toBe('xxxxx');
  });

  it('answers busy beyond the query cap (commands are not capped), then serves again', async () => {
    const limiter = new QueryLimiter(2, 3, m.inFlight);
    await serve(server, limiter);
    const asks = Array.from({ length: 6 }, () =>
      requestQuery(client, topology, blob, { bytes: 1, delayMs: 500 }, 5000).then(
        () => 'ok',
        (e: unknown) => e,
      ),
    );
    // Commands do not take a query slot.
    await sleep(100);
    expect(limiter.inFlight).toBe(2);
    expect((await m.inFlight.get()).values[0].value).toBe(2);
    await expect(requestQuery(client, topology, blobCommand, { bytes: 1, delayMs: 0 }, 5000)).resolves.toEqual({
      filler: 'x',
    });
    const results = await Promise.all(asks);
    expect(results.filter((r) => r === 'ok')).toHaveLength(2);
    const busy = results.filter((r) => r instanceof BusyError) as BusyError[];
    expect(busy).toHaveLength(4);
    expect(busy[0].retryAfterSeconds).toBe(3);
    expect(busy[0].message).toMatch(/busy: 2 queries are running/);
    expect(await refusedCount(m.refused, 'busy')).toBe(4);
    expect(limiter.inFlight).toBe(0);
    await expect(requestQuery(client, topology, blob, { bytes: 1, delayMs: 0 }, 5000)).resolves.toMatchObject({
      filler: 'x',
    });
  });
});

/** A query every replica answers (a replica's status), collected within bounds. */
describe('requestEveryReplica', () => {
  let nc: NatsConnection;
  let topology: Topology;
  const subs: Subscription[] = [];
  const m = instruments();
  const deps = (): RpcServerDeps => ({
    nc,
    topology,
    logger: createLogger({ service: 'rpc-test', level: 'silent' }),
    messages: m.messages,
    duration: m.duration,
  });
  const bounds = { maxWaitMs: 2000, stallMs: 300, maxReplies: 5 };

  beforeAll(async () => {
    nc = await connect({ servers: testUrls.nats });
    topology = createTopology(uniqueId());
  });
  afterEach(async () => {
    for (const s of subs.splice(0)) s.unsubscribe();
    await nc.flush();
  });
  afterAll(() => nc.close());

  it('collects one answer per replica; none answering is an empty list, not an error', async () => {
    expect(await requestEveryReplica(nc, topology, blob, { bytes: 1, delayMs: 0 }, bounds)).toEqual({
      replies: [],
      refused: [],
    });
    for (const replica of ['a', 'b', 'c'])
      subs.push(serveQuery(deps(), blob, async () => ({ filler: replica }), { everyReplica: true }));
    // A query served in the queue group, as every other is, is answered by one replica only.
    subs.push(serveQuery(deps(), blobCommand, async () => ({ filler: 'q' })));
    subs.push(serveQuery(deps(), blobCommand, async () => ({ filler: 'q' })));
    await nc.flush();
    const all = await requestEveryReplica(nc, topology, blob, { bytes: 1, delayMs: 0 }, bounds);
    expect(all.replies.map((r) => r.filler).sort()).toEqual(['a', 'b', 'c']);
    const queued = await requestEveryReplica(nc, topology, blobCommand, { bytes: 1, delayMs: 0 }, bounds);
    expect(queued.replies).toHaveLength(1);
  });

  it('stops at its bounds: the most answers it takes, and a replica slower than the wait is left out', async () => {
    for (let i = 0; i < 8; i++)
      subs.push(serveQuery(deps(), blob, async () => ({ filler: String(i) }), { everyReplica: true }));
    subs.push(
      serveQuery(
        deps(),
        blobCommand,
        async () => {
          await sleep(3000);
          return { filler: 'late' };
        },
        { everyReplica: true },
      ),
    );
    subs.push(serveQuery(deps(), blobCommand, async () => ({ filler: 'prompt' }), { everyReplica: true }));
    await nc.flush();
    expect((await requestEveryReplica(nc, topology, blob, { bytes: 1, delayMs: 0 }, bounds)).replies).toHaveLength(5);
    const started = Date.now();
    const slow = await requestEveryReplica(nc, topology, blobCommand, { bytes: 1, delayMs: 0 }, bounds);
    expect(slow.replies.map((r) => r.filler)).toEqual(['prompt']);
    expect(Date.now() - started).toBeLessThan(2900);
  });

  it('lists an answer that breaks the contract as refused, beside the good ones', async () => {
    subs.push(serveQuery(deps(), blob, async () => ({ filler: 'ok' }), { everyReplica: true }));
    subs.push(
      nc.subscribe(topology.subjects.qry('rpctest', 'blob'), {
        callback: (_e, msg) => {
          msg.respond(new TextEncoder().encode('{"ok":true,"data":{"filler":42}}'));
        },
      }),
    );
    await nc.flush();
    const r = await requestEveryReplica(nc, topology, blob, { bytes: 1, delayMs: 0 }, bounds);
    expect(r.replies).toEqual([{ filler: 'ok' }]);
    expect(r.refused).toEqual([expect.stringContaining('filler')]);
  });
});
