import {
  heartbeatMessage,
  type InventoryMessage,
  inventoryMessage,
  type Labels,
  type Sample,
  sampleBatchMessage,
  type Topology,
} from '@vigil/contracts';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { Collector } from './collectors/collector';
import { CollectorRunner } from './collectors/collector-runner';
import { FailureStreaks } from './failure-streaks';
import type { HostFactsSource } from './inventory/host-facts';
import type { MessageKind, OutboundMessage, Publisher } from './publish/publisher';
import { PeriodicTask } from './schedule/periodic-task';
import type { BatchSequence } from './state/batch-sequence';
import { AGENT_VERSION } from './version';

export interface AgentSettings {
  topology: Topology;
  stateDir: string;
  hostname: string;
  labels: Labels;
  heartbeatMs: number;
  sampleMs: number;
  /** How often the inventory is collected again; it is published only when it changed. */
  inventoryCheckMs: number;
  /** Use this node id instead of the one stored in the state directory. */
  nodeIdOverride?: string;
}

export interface AgentDeps {
  /** Builds the collectors for one run, given the agent's logger (bound to the node id). */
  collectors: (logger: Logger) => readonly Collector[];
  hostFacts: HostFactsSource;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
}

export const PUBLISH_FAILURES_METRIC = 'vigil_agent_publish_failures_total';

export interface SessionIdentity {
  nodeId: string;
  /** One per agent start: heartbeat sequence numbers restart at 0 under a new boot id. */
  bootId: string;
  sequence: BatchSequence;
}

/** One run of the agent, from start to stop: its periodic tasks and what they remember. */
export class AgentSession {
  private heartbeatSeq = 0;
  private publishedInventoryHash?: string;
  /** An inventory that changed but could not be published yet; retried at heartbeat pace. */
  private pendingInventory?: InventoryMessage;
  private readonly publishFailures: Record<MessageKind, number> = { heartbeat: 0, samples: 0, inventory: 0 };
  private readonly publishStreaks = new FailureStreaks();
  private readonly runner: CollectorRunner;
  private readonly tasks: PeriodicTask[];
  private readonly startedAtMs: number;

  constructor(
    private readonly settings: AgentSettings,
    private readonly deps: AgentDeps,
    private readonly identity: SessionIdentity,
  ) {
    const { clock, logger } = deps;
    this.startedAtMs = clock.monotonicMs();
    this.runner = new CollectorRunner(deps.collectors(logger), { clock, logger, timeoutMs: settings.sampleMs });
    this.tasks = [
      new PeriodicTask('heartbeat', settings.heartbeatMs, () => this.sendHeartbeat(), logger),
      new PeriodicTask('inventory retry', settings.heartbeatMs, () => this.publishPendingInventory(), logger),
      new PeriodicTask('inventory', settings.inventoryCheckMs, () => this.sendInventoryIfChanged(), logger),
      new PeriodicTask('samples', settings.sampleMs, () => this.sendSampleBatch(), logger),
    ];
  }

  start(): void {
    for (const task of this.tasks) task.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.stop()));
    await this.persistSequence();
  }

  private async sendHeartbeat(): Promise<void> {
    const { settings, deps, identity } = this;
    const heartbeat = {
      nodeId: identity.nodeId,
      seq: this.heartbeatSeq++,
      sentAt: new Date(deps.clock.now()).toISOString(),
      hostname: settings.hostname,
      agentVersion: AGENT_VERSION,
      // How long this agent has been running; the host's uptime is the node_uptime_seconds metric.
      uptimeSeconds: (deps.clock.monotonicMs() - this.startedAtMs) / 1000,
      intervalMs: settings.heartbeatMs,
      labels: settings.labels,
    };
    await this.send(heartbeatMessage(settings.topology, heartbeat, identity.bootId));
  }

  private async sendSampleBatch(): Promise<void> {
    const { settings, deps, identity } = this;
    const timestamp = deps.clock.now();
    const samples = await this.runner.collect();
    const seq = identity.sequence.take();
    if (identity.sequence.persistDue()) await this.persistSequence();
    const batch = {
      nodeId: identity.nodeId,
      seq,
      timestamp,
      intervalMs: settings.sampleMs,
      samples: [...samples, ...this.publishFailureSamples()],
    };
    await this.send(sampleBatchMessage(settings.topology, batch));
  }

  private async sendInventoryIfChanged(): Promise<void> {
    const { settings, deps, identity } = this;
    const facts = await deps.hostFacts();
    const message = inventoryMessage(settings.topology, {
      nodeId: identity.nodeId,
      collectedAt: new Date(deps.clock.now()).toISOString(),
      hostname: settings.hostname,
      agentVersion: AGENT_VERSION,
      labels: settings.labels,
      ...facts,
    });
    if (message.hash === this.publishedInventoryHash) return;
    this.pendingInventory = message;
    await this.publishPendingInventory();
  }

  private async publishPendingInventory(): Promise<void> {
    const message = this.pendingInventory;
    if (!message) return;
    this.pendingInventory = undefined;
    if (!(await this.send(message))) {
      this.pendingInventory ??= message;
      return;
    }
    this.publishedInventoryHash = message.hash;
    this.deps.logger.info({ inventory_hash: message.hash }, 'inventory published');
  }

  /** Publishes; a failure is counted and logged (once per streak), never thrown. */
  private async send(message: OutboundMessage): Promise<boolean> {
    const { logger } = this.deps;
    try {
      await this.deps.publisher.publish(message);
    } catch (e) {
      this.publishFailures[message.kind]++;
      if (this.publishStreaks.failed(message.kind)) {
        logger.warn({ err: e, kind: message.kind, subject: message.subject }, 'publish failed; dropping messages until it succeeds again');
      }
      return false;
    }
    const failed = this.publishStreaks.succeeded(message.kind);
    if (failed > 0) logger.info({ kind: message.kind, dropped: failed }, 'publishing recovered');
    return true;
  }

  private publishFailureSamples(): Sample[] {
    return Object.entries(this.publishFailures).map(([kind, count]) => ({
      name: PUBLISH_FAILURES_METRIC,
      labels: { kind },
      value: count,
    }));
  }

  /** A failed write weakens the restart guarantee of BatchSequence but must not stop telemetry. */
  private async persistSequence(): Promise<void> {
    try {
      await this.identity.sequence.persist();
    } catch (e) {
      this.deps.logger.error({ err: e }, 'could not persist the batch sequence number');
    }
  }
}
