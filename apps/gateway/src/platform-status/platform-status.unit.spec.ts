import type { ServiceStatusReply } from '@vigil/contracts';
import { busLag, dlqDepths, overallStatus, serviceHealth } from './platform-status';

const reply = (instance: string, status: ServiceStatusReply['status']): ServiceStatusReply => ({
  service: 'registry-svc',
  instance,
  startedAt: '2026-12-07T10:00:00.000Z',
  status,
  checks: { nats: { status: 'up', latencyMs: 1 } },
  readers: [],
});

describe('platform status', () => {
  it('is up when every replica is ready, degraded when one is not, down when none is', () => {
    const of = (...replies: ServiceStatusReply[]) =>
      serviceHealth({ service: 'registry-svc', replies, problems: [] }).state;
    expect(of(reply('b', 'ok'), reply('a', 'ok'))).toBe('up');
    expect(of(reply('a', 'ok'), reply('b', 'error'))).toBe('degraded');
    expect(of(reply('a', 'degraded'))).toBe('degraded');
    expect(of(reply('a', 'error'), reply('b', 'error'))).toBe('down');
    expect(of()).toBe('down');
  });

  it('lists replicas by instance and what went wrong when there is none', () => {
    const h = serviceHealth({ service: 'registry-svc', replies: [reply('b', 'ok'), reply('a', 'ok')], problems: [] });
    expect(h.replicas.map((r) => r.instance)).toEqual(['a', 'b']);
    expect(serviceHealth({ service: 'alert-svc', replies: [], problems: [] }).error).toBeUndefined();
    expect(serviceHealth({ service: 'alert-svc', replies: [], problems: ['timed out'] }).error).toBe('timed out');
    // A replica that answered against the contract makes the service degraded, not up.
    expect(serviceHealth({ service: 'alert-svc', replies: [reply('a', 'ok')], problems: ['bad'] }).state).toBe(
      'degraded',
    );
  });

  it('lists a reader shared by replicas once, with its largest known pending count', () => {
    const lag = busLag([
      {
        service: 'registry-svc',
        readers: [
          { name: 'registry-heartbeats', stream: 'TELEMETRY', kind: 'durable', pending: 3 },
          { name: 'projection-nodes', stream: 'EVENTS', kind: 'projection', pending: null, error: 'x' },
        ],
      },
      {
        service: 'registry-svc',
        readers: [
          { name: 'registry-heartbeats', stream: 'TELEMETRY', kind: 'durable', pending: 7 },
          { name: 'projection-nodes', stream: 'EVENTS', kind: 'projection', pending: 0 },
        ],
      },
      {
        service: 'alert-svc',
        readers: [{ name: 'projection-nodes', stream: 'EVENTS', kind: 'projection', pending: 1 }],
      },
    ]);
    expect(lag.map((l) => [l.service, l.name, l.pending])).toEqual([
      ['registry-svc', 'registry-heartbeats', 7],
      ['registry-svc', 'projection-nodes', 0],
      ['alert-svc', 'projection-nodes', 1],
    ]);
  });

  it('is an error when a service is down, degraded when one is degraded', () => {
    const h = (state: 'up' | 'degraded' | 'down') => ({ service: 'gateway' as const, state, replicas: [] });
    expect(overallStatus([h('up'), h('up')])).toBe('ok');
    expect(overallStatus([h('up'), h('degraded')])).toBe('degraded');
    expect(overallStatus([h('degraded'), h('down')])).toBe('error');
  });

  it('reads each DLQ depth from the per-subject counts, 0 for a service that parked nothing', () => {
    const depths = dlqDepths({ 't1.dlq.metrics-svc': 4, 't1.dlq.other': 9 }, (s) => `t1.dlq.${s}`, [
      'gateway',
      'metrics-svc',
    ]);
    expect(depths).toEqual([
      { service: 'gateway', depth: 0 },
      { service: 'metrics-svc', depth: 4 },
    ]);
  });
});
