import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, TimeoutError } from '@nats-io/nats-core';
import pino from 'pino';
import { NotConnectedError } from '../publish/nats-link';
import type { LivePublisher, MessageKind, OutboundMessage } from '../publish/publisher';
import { FileSpool } from './file-spool';
import { spoolLimits } from './segment-plan';
import { SpoolingPublisher } from './spooling.publisher';

const logger = pino({ level: 'silent' });
const replayOptions = { chunkBytes: 1024, minRetryMs: 10, maxRetryMs: 40 };

const message = (seq: number, kind: MessageKind = 'samples'): OutboundMessage => ({
  kind,
  subject: `telemetry.${kind}.node-1`,
  msgId: `node-1:${seq}`,
  data: Buffer.from(JSON.stringify({ seq })),
});
const seqs = (messages: OutboundMessage[]) => messages.map((m) => Number(m.msgId.split(':')[1]));

/** NATS as the publisher sees it: up or down, and failing every publish with `failure` when set. */
class FakeNats implements LivePublisher {
  connected = true;
  failure?: Error;
  /** Each publish takes this long, so a replay is still running while new messages come. */
  delayMs = 0;
  readonly stored: OutboundMessage[] = [];
  private readonly listeners: (() => void)[] = [];

  onConnected(listener: () => void): void {
    this.listeners.push(listener);
  }

  async publish(m: OutboundMessage): Promise<void> {
    if (!this.connected) throw new NotConnectedError();
    await sleep(this.delayMs);
    if (this.failure) throw this.failure;
    this.stored.push(m);
  }

  comeBack(): void {
    this.connected = true;
    for (const listener of this.listeners) listener();
  }
}

async function until(done: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

let dir: string;
let spool: FileSpool;
let nats: FakeNats;
let publisher: SpoolingPublisher;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-spooling-'));
  spool = await FileSpool.open(dir, spoolLimits(1024 * 1024), logger);
  nats = new FakeNats();
  publisher = new SpoolingPublisher(nats, spool, logger, replayOptions);
  publisher.start();
});
afterEach(async () => {
  await publisher.stop();
  await spool.close();
  await rm(dir, { recursive: true, force: true });
});

describe('SpoolingPublisher', () => {
  it('publishes live while NATS takes messages, and spools nothing', async () => {
    for (const seq of [1, 2, 3]) await publisher.publish(message(seq));
    expect(seqs(nats.stored)).toEqual([1, 2, 3]);
    expect(publisher.metrics()).toMatchObject({ spooledTotal: 0, messages: 0, bytes: 0 });
  });

  it('drops a heartbeat that cannot go now instead of spooling it', async () => {
    nats.connected = false;
    await expect(publisher.publish(message(1, 'heartbeat'))).rejects.toThrow(NotConnectedError);
    expect(publisher.metrics()).toMatchObject({ spooledTotal: 0, messages: 0 });
  });

  it('spools while NATS is down, and on reconnect stores everything in order, newer messages behind the replayed ones', async () => {
    for (const seq of [1, 2]) await publisher.publish(message(seq));
    nats.connected = false;
    for (const seq of [3, 4, 5, 6]) await publisher.publish(message(seq));
    await publisher.publish(message(1, 'inventory'));
    expect(publisher.metrics()).toMatchObject({ spooledTotal: 5, messages: 5 });

    nats.delayMs = 5;
    nats.comeBack();
    for (const seq of [7, 8]) await publisher.publish(message(seq));
    await until(() => nats.stored.length === 9 && publisher.metrics().bytes === 0);

    expect(seqs(nats.stored.filter((m) => m.kind === 'samples'))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(publisher.metrics()).toMatchObject({
      spooledTotal: 7,
      replayedTotal: 7,
      droppedTotal: 0,
      messages: 0,
      bytes: 0,
    });
  });

  it('spools a message whose publish is not acknowledged, and replays it once NATS takes messages again', async () => {
    nats.failure = new TimeoutError();
    await publisher.publish(message(1));
    await publisher.publish(message(2));
    await sleep(30);
    expect(nats.stored).toEqual([]);
    nats.failure = undefined;
    await until(() => nats.stored.length === 2);
    expect(seqs(nats.stored)).toEqual([1, 2]);
    expect(publisher.metrics().publishErrorsTotal).toBeGreaterThanOrEqual(2);
  });

  it('neither spools nor retries a message NATS refuses as such', async () => {
    nats.failure = InvalidArgumentError.format('payload', 'max_payload size exceeded');
    await expect(publisher.publish(message(1))).rejects.toThrow(/max_payload/);
    expect(publisher.metrics()).toMatchObject({ spooledTotal: 0, messages: 0 });
  });

  it('replays what an earlier run left in the spool as soon as it starts', async () => {
    await publisher.stop();
    nats.connected = false;
    await spool.append(message(1));
    await spool.append(message(2));
    nats.connected = true;
    publisher = new SpoolingPublisher(nats, spool, logger, replayOptions);
    publisher.start();
    await until(() => nats.stored.length === 2);
    expect(seqs(nats.stored)).toEqual([1, 2]);
  });
});
