import { DlqHeaders, ruleOperations, sampleBatchMessage } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually, type ServiceProcess } from '@vigil/test-support';
import { CpuFeeds, highCpuRule, storedAlertEvents } from './alerting';
import { TestPlatform } from './platform';

const platform = new TestPlatform();
const S = 1000;
const FOR_MS = 4 * S;
/** This suite's own rule only (the default pack is tested in alert-rules); a short lease, so a killed evaluator is replaced soon. */
const ALERT_ENV = { VIGIL_ALERT_DEFAULT_RULES: 'false', VIGIL_ALERT_LEASE_MS: '3000' };

const highCpu = highCpuRule({ for: FOR_MS, annotations: { summary: 'CPU busy' } });

/** Total CPU as given, one core far above it: only the all-CPU series may fire. */
const cpuFeeds = new CpuFeeds(platform, {
  intervalMs: 500,
  extra: [{ name: 'node_cpu_usage_percent', labels: { cpu: '0' }, value: 100 }],
});
const feed = (nodeId: string, value: () => number) => cpuFeeds.feed(nodeId, value);
const alertEventsStored = () => storedAlertEvents(platform);

let alert: ServiceProcess;
let alertPort = 0;
beforeAll(async () => {
  await platform.setup();
  ({ process: alert, port: alertPort } = await platform.startAlert(ALERT_ENV));
  await requestQuery(
    platform.bus.nc,
    platform.bus.topology,
    ruleOperations.apply,
    { rules: [highCpu], actor: 'test' },
    15_000,
  );
}, 60_000);
afterAll(async () => {
  await cpuFeeds.stopAll();
  await platform.teardown();
}, 30_000);

describe('streaming alert evaluation', () => {
  it('goes pending on the first sample over the threshold, fires when for closes (a timer, not a sample), resolves when it clears', async () => {
    let cpu = 97;
    const f = feed('busy-1', () => cpu);
    const firing = await eventually(async () => (await alertEventsStored()).find((e) => e.type === 'alert.firing'), {
      timeoutMs: FOR_MS + 10 * S,
      what: 'alert.firing',
    });
    const events = await alertEventsStored();
    const pending = events.find((e) => e.type === 'alert.pending');
    if (pending?.type !== 'alert.pending') throw new Error('no pending');
    // The window opened at a sample's time (the first the evaluator read) and closes `for` later.
    const start = Date.parse(pending.data.activeAt);
    expect(f.sent.map((x) => x.at)).toContain(start);
    expect(pending.data).toMatchObject({
      ruleId: 'high-cpu',
      firesAt: new Date(start + FOR_MS).toISOString(),
      value: 97,
    });
    expect(pending?.data.labels).toEqual({ node: 'busy-1', alertname: 'HighCPU', severity: 'warning' });
    if (firing?.type !== 'alert.firing') throw new Error('no firing');
    // The window closes at activeAt + for; the timer fires it then, not at the next sample (500 ms apart).
    const late = Date.parse(firing.data.firedAt) - (start + FOR_MS);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(250);
    expect(Date.parse(firing.occurredAt) - (start + FOR_MS)).toBeLessThan(400);
    expect(firing.data.annotations).toEqual({ summary: 'CPU busy' });

    cpu = 40;
    const resolved = await eventually(
      async () => (await alertEventsStored()).find((e) => e.type === 'alert.resolved'),
      { timeoutMs: 10 * S, what: 'alert.resolved' },
    );
    f.stop();
    expect(resolved?.data).toMatchObject({ wasFiring: true, reason: 'condition_cleared' });
    expect((await alertEventsStored()).map((e) => e.type)).toEqual(['alert.pending', 'alert.firing', 'alert.resolved']);
  }, 40_000);

  it('keeps a pending alert’s for window across a restart of alert-svc (SIGKILL mid-for)', async () => {
    const before = (await alertEventsStored()).length;
    const f = feed('busy-2', () => 99);
    const pending = await eventually(
      async () => (await alertEventsStored()).slice(before).find((e) => e.type === 'alert.pending'),
      { timeoutMs: 5 * S, what: 'alert.pending' },
    );
    const start = pending && pending.type === 'alert.pending' ? Date.parse(pending.data.activeAt) : NaN;
    alert.kill('SIGKILL');
    await alert.waitExit();
    ({ process: alert, port: alertPort } = await platform.startAlert(ALERT_ENV));
    const firing = await eventually(
      async () => (await alertEventsStored()).slice(before).find((e) => e.type === 'alert.firing'),
      { timeoutMs: FOR_MS + 15 * S, what: 'alert.firing after the restart' },
    );
    f.stop();
    const mine = (await alertEventsStored()).slice(before);
    // One pending (the restarted service did not start the window again), then firing from the same activeAt.
    expect(mine.map((e) => e.type)).toEqual(['alert.pending', 'alert.firing']);
    if (firing?.type !== 'alert.firing') throw new Error('no firing');
    expect(firing.data.activeAt).toBe(new Date(start).toISOString());
    expect(Date.parse(firing.data.firedAt)).toBeGreaterThanOrEqual(start + FOR_MS);
  }, 60_000);

  it('parks a batch it cannot read with the reason, counts it, and goes on evaluating', async () => {
    const { js, jsm, topology } = platform.bus;
    const subject = sampleBatchMessage(topology, {
      nodeId: 'bad-1',
      seq: 1,
      timestamp: Date.now(),
      intervalMs: 1000,
      samples: [],
    }).subject;
    await js.publish(subject, Buffer.from('{"v":2,"nodeId":"bad-1","series":7}'), { msgID: 'bad-1-malformed' });
    const parked = async () => {
      const info = await jsm.streams.info(topology.streams.dlq);
      const out: string[] = [];
      for (let s = info.state.first_seq; info.state.messages > 0 && s <= info.state.last_seq; s++) {
        const m = await jsm.streams.getMessage(topology.streams.dlq, { seq: s }).catch(() => undefined);
        if (m?.subject.endsWith('alert-svc')) out.push(m.header.get(DlqHeaders.reason));
      }
      return out;
    };
    const reasons = await eventually(
      async () => {
        const r = await parked();
        return r.length > 0 && r;
      },
      { what: 'the malformed batch in the DLQ' },
    );
    expect(reasons).toEqual([expect.stringMatching(/^invalid_payload: invalid sample batch: /)]);
    const page = await (await fetch(`http://127.0.0.1:${alertPort}/metrics`)).text();
    expect(page).toMatch(/vigil_dlq_messages_total\{[^}]*reason="invalid_payload"[^}]*\} 1/);
    const before = (await alertEventsStored()).length;
    const f = feed('busy-3', () => 98);
    await eventually(
      async () =>
        (await alertEventsStored())
          .slice(before)
          .some((e) => e.type === 'alert.pending' && e.data.labels.node === 'busy-3'),
      {
        what: 'a pending alert after the parked batch',
      },
    );
    f.stop();
  }, 30_000);
});
