import { createTopology, decodeSampleBatch, Heartbeat, Inventory, type SampleBatch } from '@vigil/contracts';
import type { SimMessage } from './messages';
import { createNodeProfile } from './node-profile';
import { SimNode } from './sim-node';

const topology = createTopology('simunit');
const timing = { heartbeatMs: 5_000, sampleMs: 1_000 };
const T0 = Date.UTC(2025, 5, 2, 12);
const decode = (m: SimMessage): unknown => JSON.parse(Buffer.from(m.data).toString('utf8'));

function newNode(index = 4): SimNode {
  return new SimNode(createNodeProfile({ seed: 1, namePrefix: 'sim' }, index), topology, timing);
}

describe('SimNode', () => {
  it('sends heartbeat, inventory and a batch at start, then each on its own interval', () => {
    const node = newNode();
    node.start(T0);
    expect(node.dueMessages(T0).map((m) => m.kind)).toEqual(['heartbeat', 'inventory', 'samples']);
    node.inventoryPublished();
    expect(node.dueMessages(T0 + 999)).toEqual([]);
    expect(node.dueMessages(T0 + 1_000).map((m) => m.kind)).toEqual(['samples']);
    for (let t = T0 + 2_000; t < T0 + 5_000; t += 1_000) node.dueMessages(t);
    expect(node.dueMessages(T0 + 5_003).map((m) => m.kind)).toEqual(['heartbeat', 'samples']);
  });

  it('offers the inventory again at each heartbeat until it is published', () => {
    const node = newNode();
    node.start(T0);
    node.dueMessages(T0);
    expect(node.dueMessages(T0 + 5_000).map((m) => m.kind)).toContain('inventory');
  });

  it('builds contract-valid messages on the agent subjects and message ids', () => {
    const node = newNode();
    node.start(T0);
    const [heartbeat, inventory, batch] = node.dueMessages(T0);
    const nodeId = node.profile.nodeId;
    expect(Heartbeat.parse(decode(heartbeat))).toMatchObject({
      nodeId,
      seq: 0,
      hostname: 'sim-gpu-04',
      intervalMs: 5000,
    });
    expect(heartbeat.msgId).toMatch(new RegExp(`^hb:${nodeId}:[0-9a-f-]{36}:0$`));
    expect(Inventory.parse(decode(inventory)).gpus.length).toBe(node.profile.gpuCount);
    expect(inventory.msgId).toMatch(new RegExp(`^inv:${nodeId}:[0-9a-f]{64}$`));
    expect(decodeSampleBatch(batch.data)).toMatchObject({ nodeId, seq: T0 / 1000, timestamp: T0, intervalMs: 1000 });
    expect(batch.msgId).toBe(`${nodeId}:${T0 / 1000}`);
    expect(batch.subject).toMatch(new RegExp(`^simunit\\.telemetry\\.samples\\.\\d+\\.${nodeId}$`));
  });

  it('stays silent while stopped; a restart is a new boot whose batch seq keeps growing', () => {
    const node = newNode();
    node.start(T0);
    const seqs = [T0, T0 + 1_000, T0 + 2_000].flatMap((t) => node.dueMessages(t)).filter((m) => m.kind === 'samples');
    const lastSeq = (decode(seqs[2]) as SampleBatch).seq;
    node.stop();
    expect(node.dueMessages(T0 + 3_000)).toEqual([]);

    node.start(T0 + 3_500);
    const restarted = node.dueMessages(T0 + 3_500);
    const heartbeat = decode(restarted.find((m) => m.kind === 'heartbeat')!) as Heartbeat;
    const batch = decode(restarted.find((m) => m.kind === 'samples')!) as SampleBatch;
    expect(heartbeat.seq).toBe(0);
    expect(batch.seq).toBeGreaterThan(lastSeq);
  });

  it('never reuses a batch seq when a new simulator process starts later', () => {
    const first = newNode();
    first.start(T0);
    let last = 0;
    for (let t = T0; t < T0 + 60_000; t += 1_000) {
      for (const m of first.dueMessages(t)) if (m.kind === 'samples') last = (decode(m) as SampleBatch).seq;
    }
    const second = newNode();
    second.start(T0 + 61_000);
    const batch = second.dueMessages(T0 + 61_000).find((m) => m.kind === 'samples')!;
    expect((decode(batch) as SampleBatch).seq).toBeGreaterThan(last);
  });
});
