import {
  AlertRule,
  type AlertRuleInput,
  type BackupEvent,
  type NodeEvent,
  PREVIEW_MAX_INSTANCES,
  PreviewRuleReply,
  type SampleBatch,
} from '@vigil/contracts';
import { backupEvent, nodeEvent } from './kind-fixtures';
import { DEFAULT_PREVIEW_LIMITS, type PreviewLimits, previewRule, type PreviewSources } from './rule-preview';

const T = 1_764_000_000_000;
const S = 1000;

const rule = (over: Partial<AlertRuleInput> & Pick<AlertRuleInput, 'kind'>) =>
  AlertRule.parse({ id: 'preview', name: 'Preview', severity: 'warning', ...over } as AlertRuleInput);

const cpu = { kind: 'threshold', metric: 'node_cpu_usage_percent', op: '>', value: 90 } as const;

/** A batch of one node at `at` (received then), one sample per value given. */
const batch = (nodeId: string, at: number, samples: Record<string, number>): SampleBatch => ({
  nodeId,
  seq: 1,
  timestamp: at,
  intervalMs: 10 * S,
  samples: Object.entries(samples).map(([name, value]) => ({ name, labels: {}, value })),
});

/** Stores held in memory: samples with the time they were received, the event histories. */
class Stores implements PreviewSources {
  batches: { batch: SampleBatch; receivedAt: number }[] = [];
  nodes: NodeEvent[] = [];
  backups: BackupEvent[] = [];
  /** Each read after this many items finds its time is up (the clock jumps past the budget). */
  cutAfter = Infinity;
  readFrom?: number;

  constructor(private readonly clock: { now: number }) {}

  add(b: SampleBatch, receivedAt = b.timestamp): this {
    this.batches.push({ batch: b, receivedAt });
    return this;
  }

  samples(since: number, see: (b: SampleBatch, at: number) => void, running: () => boolean): Promise<number> {
    this.readFrom = since;
    let read = 0;
    for (const { batch, receivedAt } of this.batches) {
      if (receivedAt < since) continue;
      if (!running()) break;
      see(batch, receivedAt);
      if (++read >= this.cutAfter) this.clock.now += 60_000;
    }
    return Promise.resolve(read);
  }

  nodeEvents(see: (e: NodeEvent) => void, running: () => boolean) {
    return Promise.resolve(this.history(this.nodes, see, running));
  }

  backupEvents(see: (e: BackupEvent) => void, running: () => boolean) {
    return Promise.resolve(this.history(this.backups, see, running));
  }

  private history<E>(events: E[], see: (e: E) => void, running: () => boolean) {
    let read = 0;
    for (const e of events) {
      if (!running()) return { read, complete: false };
      see(e);
      if (++read >= this.cutAfter) this.clock.now += 60_000;
    }
    return { read, complete: true };
  }
}

function setup(now = T) {
  const clock = { now };
  const stores = new Stores(clock);
  const preview = async (r: AlertRule, limits: Partial<PreviewLimits> = {}) =>
    PreviewRuleReply.parse(await previewRule(r, stores, () => clock.now, { ...DEFAULT_PREVIEW_LIMITS, ...limits }));
  return { clock, stores, preview };
}

const states = (reply: PreviewRuleReply) => reply.instances.map((i) => [i.node, i.state]);

describe('previewRule: threshold', () => {
  it('lists the series over the threshold: firing once held for `for`, pending before, with the value and when it fires', async () => {
    const { stores, preview } = setup();
    for (let t = T - 60 * S; t <= T; t += 10 * S) {
      stores.add(batch('web-1', t, { node_cpu_usage_percent: 97 })); // over for the whole minute
      stores.add(batch('web-2', t, { node_cpu_usage_percent: t >= T - 20 * S ? 95 : 40 })); // over for 20 s
      stores.add(batch('db-1', t, { node_cpu_usage_percent: 30 }));
    }
    const reply = await preview(
      rule({ ...cpu, for: '30s', annotations: { summary: 'CPU {{ $value }} on {{ $labels.node }}' } }),
    );
    expect(states(reply)).toEqual([
      ['web-1', 'firing'],
      ['web-2', 'pending'],
    ]);
    expect(reply).toMatchObject({ total: 2, firing: 1, pending: 1, complete: true, read: 21 });
    const [web1, web2] = reply.instances;
    expect(web1).toMatchObject({
      value: 97,
      activeAt: new Date(T - 60 * S).toISOString(),
      labels: { node: 'web-1', alertname: 'Preview', severity: 'warning' },
      annotations: { summary: 'CPU 97 on web-1' },
    });
    expect(web1.firesAt).toBeUndefined();
    expect(web2).toMatchObject({ value: 95, firesAt: new Date(T - 20 * S + 30 * S).toISOString() });
    // The samples read reach back over `for` and the margin.
    expect(stores.readFrom).toBe(T - 30 * S - DEFAULT_PREVIEW_LIMITS.sampleMarginMs);
  });

  it('fires at once without `for`, and evaluates a rule given disabled as if enabled', async () => {
    const { stores, preview } = setup();
    stores.add(batch('web-1', T - 5 * S, { node_cpu_usage_percent: 99 }));
    const reply = await preview(rule({ ...cpu, enabled: false }));
    expect(states(reply)).toEqual([['web-1', 'firing']]);
  });

  it('resolves a series that went back under, and keeps one firing within keep_firing_for', async () => {
    const { stores, preview } = setup();
    stores.add(batch('web-1', T - 40 * S, { node_cpu_usage_percent: 99 }));
    stores.add(batch('web-1', T - 10 * S, { node_cpu_usage_percent: 10 }));
    expect((await preview(rule(cpu))).total).toBe(0);
    expect(states(await preview(rule({ ...cpu, keepFiringFor: '1m' })))).toEqual([['web-1', 'firing']]);
  });

  it('takes a window’s aggregate over the window read back', async () => {
    const { stores, preview } = setup();
    // Over 90 now, but the 1 min average is 60.
    [30, 30, 30, 30, 30, 95, 95].forEach((v, i) =>
      stores.add(batch('web-1', T - 60 * S + i * 10 * S, { node_cpu_usage_percent: v })),
    );
    expect((await preview(rule({ ...cpu, window: { aggregate: 'avg', duration: '1m' } }))).total).toBe(0);
    expect(states(await preview(rule({ ...cpu, window: { aggregate: 'max', duration: '1m' } })))).toEqual([
      ['web-1', 'firing'],
    ]);
    expect(stores.readFrom).toBe(T - 60 * S - DEFAULT_PREVIEW_LIMITS.sampleMarginMs);
  });

  it('leaves out a series gone quiet for longer than the staleness (as the live machine ends it)', async () => {
    const { stores, preview } = setup();
    stores.add(batch('web-1', T - 6 * 60 * S, { node_cpu_usage_percent: 99 }));
    stores.add(batch('web-2', T - 4 * 60 * S, { node_cpu_usage_percent: 99 }));
    expect(states(await preview(rule({ ...cpu, for: '10m' }), { sampleMarginMs: 0 }))).toEqual([['web-2', 'pending']]);
  });

  it('lists 100 instances at most and counts them all', async () => {
    const { stores, preview } = setup();
    for (let i = 0; i < 150; i++) stores.add(batch(`n-${i}`, T - S, { node_cpu_usage_percent: 99 }));
    const reply = await preview(rule(cpu));
    expect(reply.instances).toHaveLength(PREVIEW_MAX_INSTANCES);
    expect(reply).toMatchObject({ total: 150, firing: 150, complete: true });
  });

  it('says incomplete when its `for` reaches back beyond what a preview reads, or its time ran out', async () => {
    const { stores, preview } = setup();
    stores.add(batch('web-1', T - S, { node_cpu_usage_percent: 99 }));
    stores.add(batch('web-2', T - S, { node_cpu_usage_percent: 99 }));
    const long = await preview(rule({ ...cpu, for: '2h' }));
    expect(long).toMatchObject({ complete: false, pending: 2 });
    expect(stores.readFrom).toBe(T - DEFAULT_PREVIEW_LIMITS.maxLookbackMs);

    stores.cutAfter = 1;
    const cut = await preview(rule(cpu));
    expect(cut).toMatchObject({ complete: false, read: 1 });
  });

  it('says incomplete past the most alerts a rule holds', async () => {
    const { stores, preview } = setup();
    for (let i = 0; i < 5; i++) stores.add(batch(`n-${i}`, T - S, { node_cpu_usage_percent: 99 }));
    expect(await preview(rule(cpu), { maxAlerts: 3 })).toMatchObject({ total: 3, complete: false });
  });
});

describe('previewRule: the kinds that hold a condition over time', () => {
  it('absent: fires for the groups whose last sample is older than `for`', async () => {
    const { stores, preview } = setup();
    stores.add(batch('web-1', T - 50 * S, { node_gpu_temperature_celsius: 60 }), T - 50 * S);
    stores.add(batch('web-2', T - 5 * S, { node_gpu_temperature_celsius: 60 }), T - 5 * S);
    const reply = await preview(rule({ kind: 'absent', metric: 'node_gpu_temperature_celsius', for: '30s' }));
    expect(states(reply)).toEqual([['web-1', 'firing']]);
    expect(reply.instances[0].value).toBeNull();
    expect(stores.readFrom).toBe(T - 30 * S - DEFAULT_PREVIEW_LIMITS.sampleMarginMs);
  });

  it('offline: the nodes offline now, firing once offline for `for`, filtered by their labels', async () => {
    const { stores, preview } = setup();
    stores.nodes = [
      nodeEvent('node.registered', 'web-1', T - 3600 * S, { env: 'prod' }),
      nodeEvent('node.registered', 'web-2', T - 3600 * S, { env: 'prod' }),
      nodeEvent('node.registered', 'db-1', T - 3600 * S, { env: 'staging' }),
      nodeEvent('node.offline', 'web-1', T - 600 * S),
      nodeEvent('node.offline', 'web-2', T - 30 * S),
      nodeEvent('node.offline', 'db-1', T - 600 * S),
      nodeEvent('node.online', 'db-1', T - 60 * S),
    ];
    const all = await preview(rule({ kind: 'offline', for: '2m' }));
    expect(states(all)).toEqual([
      ['web-1', 'firing'],
      ['web-2', 'pending'],
    ]);
    expect(all).toMatchObject({ read: 7, complete: true, readFrom: null });
    const staging = await preview(rule({ kind: 'offline', nodeLabels: { env: 'staging' } }));
    expect(staging.total).toBe(0);
  });

  it('event: a job whose last run failed, until its next success', async () => {
    const { stores, preview } = setup();
    stores.backups = [
      backupEvent('backup.failed', 'pg', T - 600 * S),
      backupEvent('backup.failed', 'files', T - 600 * S),
      backupEvent('backup.succeeded', 'files', T - 300 * S),
    ];
    const r = rule({ kind: 'event', on: 'backup.failed', resolvedBy: 'backup.succeeded' });
    const reply = await preview(r);
    expect(reply.instances.map((i) => [i.labels.job, i.state])).toEqual([['pg', 'firing']]);
    // Without resolvedBy each event fires and clears: nothing active, unless keep_firing_for holds it.
    expect((await preview(rule({ kind: 'event', on: 'backup.failed' }))).total).toBe(0);
    expect((await preview(rule({ kind: 'event', on: 'backup.failed', keepFiringFor: '1h' }))).total).toBe(2);
  });

  it('missing: the jobs without a success for `for`', async () => {
    const { stores, preview } = setup();
    stores.backups = [
      backupEvent('backup.succeeded', 'pg', T - 30 * 3600 * S),
      backupEvent('backup.succeeded', 'files', T - 3600 * S),
    ];
    const reply = await preview(rule({ kind: 'missing', event: 'backup.succeeded', for: '26h' }));
    expect(reply.instances.map((i) => [i.labels.job, i.state])).toEqual([['pg', 'firing']]);
  });

  it('says incomplete when the history read ran out of time', async () => {
    const { stores, preview } = setup();
    stores.nodes = [nodeEvent('node.offline', 'web-1', T - 600 * S), nodeEvent('node.offline', 'web-2', T - 600 * S)];
    stores.cutAfter = 1;
    expect(await preview(rule({ kind: 'offline' }))).toMatchObject({ complete: false, read: 1 });
  });
});
