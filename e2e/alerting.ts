import {
  type AlertEvent,
  alertEvents,
  type AlertRuleInput,
  type Context,
  type DomainEvent,
  type EventCatalog,
  type Sample,
  sampleBatchMessage,
} from '@vigil/contracts';
import { sleep } from '@vigil/test-support';
import type { TestPlatform } from './platform';

/** What the alert suites have in common: the HighCPU rule, a CPU feed per node, the stored events. */

/** HighCPU on the all-CPU series (the series without a `cpu` label), as the default pack has it. */
export type ThresholdRuleInput = Extract<AlertRuleInput, { kind: 'threshold' }>;

export function highCpuRule(overrides: Partial<ThresholdRuleInput> = {}): ThresholdRuleInput {
  return {
    id: 'high-cpu',
    name: 'HighCPU',
    kind: 'threshold',
    severity: 'warning',
    metric: 'node_cpu_usage_percent',
    matchers: [{ label: 'cpu', op: '=', value: '' }],
    op: '>',
    value: 90,
    ...overrides,
  };
}

/** Every event of `context` in the stream, in order, each read through its catalog. */
export async function storedEvents<E extends DomainEvent>(
  platform: TestPlatform,
  context: Context,
  catalog: EventCatalog<E>,
): Promise<E[]> {
  const { js, topology } = platform.bus;
  const consumer = await js.consumers.get(topology.streams.events, {
    filter_subjects: topology.subjects.eventsOf(context),
  });
  const out: E[] = [];
  for (
    let m = await consumer.next({ expires: 1000 });
    m;
    m = m.info.pending ? await consumer.next({ expires: 1000 }) : null
  )
    out.push(catalog.read(m.json()));
  return out;
}

export const storedAlertEvents = (platform: TestPlatform): Promise<AlertEvent[]> =>
  storedEvents(platform, 'alert', alertEvents);

export interface Feed {
  stop(): void;
  /** Settles once the feed has stopped publishing. */
  done: Promise<void>;
  /** What was published so far: each batch's timestamp and all-CPU value. */
  sent: { at: number; cpu: number }[];
}

/**
 * Publishes nodes' all-CPU usage as sample batches every `intervalMs` (plus `extra` samples in
 * each batch); every feed stops at `stopAll` (call it in afterAll: jest runs without forceExit).
 */
export class CpuFeeds {
  private seq = 0;
  private readonly feeds: Feed[] = [];

  constructor(
    private readonly platform: TestPlatform,
    private readonly opts: { intervalMs: number; extra?: Sample[] },
  ) {}

  /** One batch stamped now; its timestamp. */
  async publish(nodeId: string, cpu: number): Promise<number> {
    const timestamp = Date.now();
    const m = sampleBatchMessage(this.platform.bus.topology, {
      nodeId,
      seq: ++this.seq,
      timestamp,
      intervalMs: this.opts.intervalMs,
      samples: [{ name: 'node_cpu_usage_percent', labels: {}, value: cpu }, ...(this.opts.extra ?? [])],
    });
    await this.platform.bus.js.publish(m.subject, m.data, { msgID: m.msgId });
    return timestamp;
  }

  feed(nodeId: string, cpu: () => number): Feed {
    let stopped = false;
    const sent: Feed['sent'] = [];
    const done = (async () => {
      while (!stopped) {
        const value = cpu();
        const at = await this.publish(nodeId, value).catch(() => 0);
        if (at) sent.push({ at, cpu: value });
        await sleep(this.opts.intervalMs);
      }
    })();
    const f = { stop: () => (stopped = true), done, sent };
    this.feeds.push(f);
    return f;
  }

  async stopAll(): Promise<void> {
    for (const f of this.feeds) f.stop();
    await Promise.all(this.feeds.map((f) => f.done));
  }
}
