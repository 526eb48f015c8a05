import type { Sample } from '@vigil/contracts';
import { createMetricsRegistry } from '@vigil/telemetry';
import type { Registry } from 'prom-client';
import type { SpoolMetrics } from '../spool/spool-metrics';
import { AgentMetrics } from './agent-metrics';

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

let registry: Registry;
let metrics: AgentMetrics;
beforeEach(() => {
  registry = createMetricsRegistry('node-agent');
  metrics = new AgentMetrics(registry);
});

describe('AgentMetrics', () => {
  it('starts every counter at zero, with each message kind pre-created', async () => {
    const samples = await metrics.samples();
    expect(
      samples
        .filter((s) => s.name === 'vigil_agent_publish_errors_total')
        .map((s) => s.labels.kind)
        .sort(),
    ).toEqual(['agent-event', 'heartbeat', 'inventory', 'samples']);
    for (const name of ['batches_sent', 'batches_spooled', 'batches_replayed', 'batches_dropped']) {
      expect(value(samples, `vigil_agent_${name}_total`)).toBe(0);
    }
    expect(value(samples, 'vigil_agent_spool_bytes')).toBe(0);
    expect(value(samples, 'vigil_agent_spool_messages')).toBe(0);
    expect(samples.every((s) => s.name.startsWith('vigil_agent_'))).toBe(true);
  });

  it('gives batches the same values as /metrics, without the registry-wide service label', async () => {
    metrics.batchSent();
    metrics.batchSent();
    metrics.publishFailed('heartbeat');
    metrics.collectorRan('cpu', 0.25, true);
    metrics.collectorRan('gpu', 0.5, false);

    const samples = await metrics.samples();
    expect(value(samples, 'vigil_agent_batches_sent_total')).toBe(2);
    expect(value(samples, 'vigil_agent_publish_errors_total', { kind: 'heartbeat' })).toBe(1);
    expect(value(samples, 'vigil_agent_collector_duration_seconds', { collector: 'cpu' })).toBe(0.25);
    expect(value(samples, 'vigil_agent_collector_success', { collector: 'gpu' })).toBe(0);

    const page = await registry.metrics();
    expect(page).toContain('vigil_agent_batches_sent_total{service="node-agent"} 2');
    expect(page).toContain('vigil_agent_publish_errors_total{kind="heartbeat",service="node-agent"} 1');
    expect(page).toContain('vigil_agent_collector_success{collector="gpu",service="node-agent"} 0');
  });

  it('adds the failed publishes another part of the agent counts to those of its kind', async () => {
    let eventFailures = 2;
    metrics.observePublishFailures('agent-event', () => eventFailures);
    metrics.publishFailed('agent-event');
    expect(value(await metrics.samples(), 'vigil_agent_publish_errors_total', { kind: 'agent-event' })).toBe(3);
    eventFailures = 5;
    expect(await registry.metrics()).toContain(
      'vigil_agent_publish_errors_total{kind="agent-event",service="node-agent"} 6',
    );
  });

  it('forgets collectors that are no longer run', async () => {
    metrics.collectorRan('cpu', 0.1, true);
    metrics.collectorRan('gpu', 0.1, true);
    metrics.keepCollectors(['cpu']);
    const collectors = (await metrics.samples()).filter((s) => s.name === 'vigil_agent_collector_success');
    expect(collectors.map((s) => s.labels.collector)).toEqual(['cpu']);
    expect(await registry.metrics()).not.toContain('collector="gpu"');
  });

  it('reads the spool counts at every read', async () => {
    const stats: SpoolMetrics = {
      spooledTotal: 5,
      replayedTotal: 2,
      droppedTotal: 1,
      bytes: 4096,
      messages: 2,
      publishErrorsTotal: 7,
    };
    metrics.observeSpool(() => stats);
    let samples = await metrics.samples();
    expect(value(samples, 'vigil_agent_batches_spooled_total')).toBe(5);
    expect(value(samples, 'vigil_agent_batches_replayed_total')).toBe(2);
    expect(value(samples, 'vigil_agent_batches_dropped_total')).toBe(1);
    expect(value(samples, 'vigil_agent_spool_bytes')).toBe(4096);
    expect(value(samples, 'vigil_agent_spool_messages')).toBe(2);

    Object.assign(stats, { replayedTotal: 5, bytes: 0, messages: 0 });
    samples = await metrics.samples();
    expect(value(samples, 'vigil_agent_batches_replayed_total')).toBe(5);
    expect(value(samples, 'vigil_agent_spool_bytes')).toBe(0);
    expect(await registry.metrics()).toContain('vigil_agent_batches_replayed_total{service="node-agent"} 5');
  });
});
