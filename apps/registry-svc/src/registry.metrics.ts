import { Injectable } from '@nestjs/common';
import { Database, Observability } from '@vigil/platform';
import { Counter, Gauge } from 'prom-client';

/**
 * Fleet gauges are read from the read model at scrape time, so every replica
 * reports the same truth; the counters count transitions this replica decided.
 */
@Injectable()
export class RegistryMetrics {
  readonly connects: Counter;
  readonly disconnects: Counter;
  readonly presenceRebuilds: Counter;
  readonly presenceEvictions: Counter;
  readonly replayMarksPruned: Counter;
  readonly unenrolledRefused: Counter;
  readonly supervisedProcessesRefused: Counter;

  constructor(db: Database, obs: Observability) {
    const registry = obs.registry;
    const byStatus = async () => {
      const rows = await db.query<{ status: string; n: string }>(
        'nodes_count',
        'SELECT status, count(*) AS n FROM registry.nodes GROUP BY status',
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    };
    // Rows of the read model are never deleted (a decommissioned node keeps its row),
    // so "nodes ever registered" only grows: a counter, which is also what its
    // `_total` name promises to Prometheus tooling.
    new Counter({
      name: 'vigil_agents_total',
      help: 'Nodes ever registered with the registry',
      registers: [registry],
      async collect() {
        const c = await byStatus();
        this.reset();
        this.inc(Object.values(c).reduce((a, b) => a + b, 0));
      },
    });
    new Gauge({
      name: 'vigil_agents_connected',
      help: 'Nodes whose agent is online',
      registers: [registry],
      async collect() {
        this.set((await byStatus()).online ?? 0);
      },
    });
    new Gauge({
      name: 'vigil_agents_disconnected',
      help: 'Nodes whose agent stopped sending heartbeats',
      registers: [registry],
      async collect() {
        this.set((await byStatus()).offline ?? 0);
      },
    });
    this.connects = new Counter({
      name: 'vigil_agent_connect_total',
      help: 'Node online transitions decided by this replica',
      registers: [registry],
    });
    this.disconnects = new Counter({
      name: 'vigil_agent_disconnect_total',
      help: 'Node offline transitions decided by this replica',
      registers: [registry],
    });
    this.presenceEvictions = new Counter({
      name: 'vigil_registry_presence_evictions_total',
      help: 'Offline nodes forgotten by presence in Redis (they are brought back by their next heartbeat)',
      registers: [registry],
    });
    this.replayMarksPruned = new Counter({
      name: 'vigil_replay_marks_pruned_total',
      help: 'Stored replay marks deleted because they can no longer refuse a message (registry.replay_marks)',
      registers: [registry],
    });
    this.unenrolledRefused = new Counter({
      name: 'vigil_registry_unenrolled_refused_total',
      help: 'Heartbeats of new nodes that never enrolled refused (parked as over_limit): VIGIL_MAX_UNENROLLED_NODES were registered',
      registers: [registry],
    });
    this.supervisedProcessesRefused = new Counter({
      name: 'vigil_registry_supervised_processes_refused_total',
      help: 'Supervisor events naming a new process of a node that has VIGIL_MAX_SUPERVISED_PROCESSES already (parked as over_limit)',
      registers: [registry],
    });
    this.presenceRebuilds = new Counter({
      name: 'vigil_registry_presence_rebuilds_total',
      help: 'Times this replica rebuilt presence in Redis from the read model (at start, and after a Redis loss)',
      registers: [registry],
    });
  }
}
