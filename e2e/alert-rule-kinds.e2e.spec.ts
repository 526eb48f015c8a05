import {
  type AlertEvent,
  type AlertRuleInput,
  type BackupEvent,
  backupEvents,
  DlqHeaders,
  type NodeEvent,
  nodeEvents,
  ruleOperations,
  sampleBatchMessage,
} from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { requestQuery } from '@vigil/messaging';
import { eventually, type ServiceProcess, sleep } from '@vigil/test-support';
import { storedAlertEvents } from './alerting';
import { TestPlatform } from './platform';

const platform = new TestPlatform();
const S = 1000;
const ALERT_ENV = { VIGIL_ALERT_DEFAULT_RULES: 'false', VIGIL_ALERT_LEASE_MS: '3000' };
const meta = { correlationId: 'e2e', causationId: null, actor: 'service:test' };

const rules: AlertRuleInput[] = [
  {
    id: 'gpu-down',
    name: 'GPUDown',
    kind: 'absent',
    severity: 'critical',
    metric: 'node_gpu_temperature_celsius',
    by: ['node', 'gpu'],
    for: 2 * S,
    annotations: { summary: 'GPU {{ $labels.gpu }} on {{ $node }} stopped reporting' },
  },
  {
    id: 'node-down',
    name: 'NodeDown',
    kind: 'offline',
    severity: 'critical',
    for: 1 * S,
    annotations: { summary: 'Node {{ $node }} is down' },
  },
  {
    id: 'backup-failed',
    name: 'BackupFailed',
    kind: 'event',
    severity: 'critical',
    on: 'backup.failed',
    resolvedBy: 'backup.succeeded',
    by: ['job'],
    annotations: { summary: 'Backup {{ $labels.job }} failed' },
  },
  {
    id: 'backup-missing',
    name: 'BackupMissing',
    kind: 'missing',
    severity: 'warning',
    event: 'backup.succeeded',
    by: ['job'],
    for: 2 * S,
  },
];

const alertEventsStored = () => storedAlertEvents(platform);

/** The alert events of one rule whose labels include `labels`, as `type` strings. */
async function transitions(ruleId: string, labels: Record<string, string>): Promise<AlertEvent[]> {
  return (await alertEventsStored()).filter(
    (e) => e.data.ruleId === ruleId && Object.entries(labels).every(([k, v]) => e.data.labels[k] === v),
  );
}
const typesOf = (events: AlertEvent[]) => events.map((e) => e.type);
/** Waits until the alert's transitions are `types`. */
const until = (ruleId: string, labels: Record<string, string>, types: AlertEvent['type'][], timeoutMs = 10 * S) =>
  eventually(
    async () => {
      const t = await transitions(ruleId, labels);
      return typesOf(t).join() === types.join() && t;
    },
    { timeoutMs, what: `${ruleId} ${JSON.stringify(labels)}: ${types.join(', ')}` },
  );

const feeds: { stop: () => void }[] = [];
/** Publishes GPU temperatures of `nodeId` (the GPUs `gpus()` names) every 300 ms until stopped. */
function feedGpus(nodeId: string, gpus: () => string[]): { stop: () => void } {
  let stopped = false;
  let seq = 0;
  void (async () => {
    while (!stopped) {
      const m = sampleBatchMessage(platform.bus.topology, {
        nodeId,
        seq: ++seq,
        timestamp: Date.now(),
        intervalMs: 300,
        samples: gpus().map((gpu) => ({ name: 'node_gpu_temperature_celsius', labels: { gpu }, value: 60 })),
      });
      await platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId }).catch(() => undefined);
      await sleep(300);
    }
  })();
  const f = { stop: () => (stopped = true) };
  feeds.push(f);
  return f;
}

let nodes: EventStore<NodeEvent>;
let backups: EventStore<BackupEvent>;
let runs = 0;
async function backupRun(type: 'backup.failed' | 'backup.succeeded', job: string): Promise<void> {
  const now = new Date().toISOString();
  const run = { runId: `run-${++runs}`, jobId: job, job, labels: { tier: 'gold' }, startedAt: now, finishedAt: now };
  await backups.append(
    run.runId,
    [
      type === 'backup.failed'
        ? { type, data: { ...run, error: 'pg_dump: connection refused' } }
        : { type, data: { ...run, bytes: 1024 } },
    ],
    0,
    meta,
  );
}
const nodeOnline = async (nodeId: string) => {
  const { lastSeq } = await nodes.read(nodeId);
  const lastSeenAt = new Date().toISOString();
  await nodes.append(
    nodeId,
    [
      ...(lastSeq
        ? []
        : [{ type: 'node.registered' as const, data: { nodeId, hostname: nodeId, labels: {}, agentVersion: '1' } }]),
      { type: 'node.online', data: { nodeId, lastSeenAt } },
    ],
    lastSeq,
    meta,
  );
};
const nodeOffline = async (nodeId: string) => {
  const { lastSeq } = await nodes.read(nodeId);
  await nodes.append(
    nodeId,
    [{ type: 'node.offline', data: { nodeId, lastSeenAt: new Date().toISOString(), timeoutMs: 1000 } }],
    lastSeq,
    meta,
  );
};

let alert: ServiceProcess;
beforeAll(async () => {
  await platform.setup();
  const { js, jsm, topology } = platform.bus;
  nodes = new EventStore(js, jsm, topology, 'node', nodeEvents);
  backups = new EventStore(js, jsm, topology, 'backup', backupEvents);
  ({ process: alert } = await platform.startAlert(ALERT_ENV));
  await requestQuery(platform.bus.nc, platform.bus.topology, ruleOperations.apply, { rules, actor: 'test' }, 15_000);
}, 60_000);
afterAll(async () => {
  for (const f of feeds) f.stop();
  await sleep(400);
  await platform.teardown();
}, 30_000);

describe('alert rule kinds', () => {
  it('absent: a GPU that stops reporting fires `for` after its last sample (by a timer) and resolves when it reports again', async () => {
    let gpus = ['0', '1'];
    const f = feedGpus('gpu-1', () => gpus);
    await sleep(1500);
    gpus = ['0'];
    const stoppedAt = Date.now();
    const [firing] = await until('gpu-down', { node: 'gpu-1', gpu: '1' }, ['alert.firing']);
    if (firing.type !== 'alert.firing') throw new Error('not firing');
    // Fired once 2 s passed without a sample (the last one was up to 300 ms before the stop).
    expect(Date.parse(firing.data.firedAt) - stoppedAt).toBeGreaterThan(2 * S - 400);
    expect(Date.parse(firing.data.firedAt) - stoppedAt).toBeLessThan(2 * S + 1500);
    expect(firing.data.labels).toEqual({ node: 'gpu-1', gpu: '1', alertname: 'GPUDown', severity: 'critical' });
    expect(firing.data.annotations).toEqual({ summary: 'GPU 1 on gpu-1 stopped reporting' });
    gpus = ['0', '1'];
    const events = await until('gpu-down', { node: 'gpu-1', gpu: '1' }, ['alert.firing', 'alert.resolved']);
    expect(events[1].data).toMatchObject({ wasFiring: true, reason: 'condition_cleared' });
    // The GPU that kept reporting never alerted.
    expect(await transitions('gpu-down', { node: 'gpu-1', gpu: '0' })).toEqual([]);
    f.stop();
  }, 30_000);

  it('offline: a node offline for `for` fires (pending first) and resolves when it comes back online', async () => {
    await nodeOnline('web-1');
    await nodeOffline('web-1');
    const [pending, firing] = await until('node-down', { node: 'web-1' }, ['alert.pending', 'alert.firing']);
    if (pending.type !== 'alert.pending' || firing.type !== 'alert.firing') throw new Error('not pending, firing');
    expect(Date.parse(pending.data.firesAt) - Date.parse(pending.data.activeAt)).toBe(1 * S);
    expect(Date.parse(firing.data.firedAt)).toBeGreaterThanOrEqual(Date.parse(pending.data.firesAt));
    expect(firing.data.annotations).toEqual({ summary: 'Node web-1 is down' });
    await nodeOnline('web-1');
    await until('node-down', { node: 'web-1' }, ['alert.pending', 'alert.firing', 'alert.resolved']);
  }, 30_000);

  it('event: backup.failed fires BackupFailed for its job at once; backup.succeeded of the job resolves it', async () => {
    await backupRun('backup.failed', 'pg-main');
    const [firing] = await until('backup-failed', { job: 'pg-main' }, ['alert.firing']);
    expect(firing.data.labels).toEqual({ job: 'pg-main', alertname: 'BackupFailed', severity: 'critical' });
    await backupRun('backup.failed', 'redis');
    await backupRun('backup.succeeded', 'pg-main');
    await until('backup-failed', { job: 'pg-main' }, ['alert.firing', 'alert.resolved']);
    expect(typesOf(await transitions('backup-failed', { job: 'redis' }))).toEqual(['alert.firing']);
  }, 30_000);

  it('missing: no backup.succeeded of a job for `for` fires BackupMissing; the next one resolves it', async () => {
    await backupRun('backup.succeeded', 'nightly');
    const sentAt = Date.now();
    const [firing] = await until('backup-missing', { job: 'nightly' }, ['alert.firing']);
    if (firing.type !== 'alert.firing') throw new Error('not firing');
    expect(Date.parse(firing.data.firedAt) - sentAt).toBeGreaterThanOrEqual(2 * S - 100);
    await backupRun('backup.succeeded', 'nightly');
    await until('backup-missing', { job: 'nightly' }, ['alert.firing', 'alert.resolved']);
  }, 30_000);

  it('after a restart, reports what happened while no evaluator ran (an offline node, a failed backup, a stopped GPU) once', async () => {
    await nodeOnline('db-1');
    const f = feedGpus('gpu-2', () => ['0']);
    await sleep(1000);
    alert.kill('SIGKILL');
    await alert.waitExit();
    f.stop();
    await nodeOffline('db-1');
    await backupRun('backup.failed', 'etcd');
    ({ process: alert } = await platform.startAlert(ALERT_ENV));
    await until('node-down', { node: 'db-1' }, ['alert.pending', 'alert.firing'], 15 * S);
    await until('backup-failed', { job: 'etcd' }, ['alert.firing'], 15 * S);
    // gpu-2 stopped before the restart: known from the samples received within the last `for`.
    await until('gpu-down', { node: 'gpu-2', gpu: '0' }, ['alert.firing'], 15 * S);
    // The alerts fired before the restart are not fired again.
    expect(typesOf(await transitions('backup-failed', { job: 'redis' }))).toEqual(['alert.firing']);
    expect(typesOf(await transitions('node-down', { node: 'web-1' }))).toEqual([
      'alert.pending',
      'alert.firing',
      'alert.resolved',
    ]);
  }, 40_000);

  it('parks a backup event it cannot read with the reason and goes on', async () => {
    const { js, jsm, topology } = platform.bus;
    await js.publish(topology.subjects.events('backup', 'bad-run'), Buffer.from('{"type":"backup.failed","data":{}}'));
    const reasons = await eventually(
      async () => {
        const info = await jsm.streams.info(topology.streams.dlq);
        const out: string[] = [];
        for (let s = info.state.first_seq; info.state.messages > 0 && s <= info.state.last_seq; s++) {
          const m = await jsm.streams.getMessage(topology.streams.dlq, { seq: s }).catch(() => undefined);
          if (m?.subject.endsWith('alert-svc')) out.push(m.header.get(DlqHeaders.reason));
        }
        return out.length > 0 && out;
      },
      { what: 'the bad backup event in the DLQ' },
    );
    expect(reasons).toEqual([expect.stringMatching(/^invalid_payload: invalid event envelope/)]);
    await backupRun('backup.failed', 'after-bad');
    await until('backup-failed', { job: 'after-bad' }, ['alert.firing']);
  }, 30_000);
});
