import { isDeepStrictEqual } from 'node:util';
import {
  type AgentConfig,
  heartbeatMessage,
  type InventoryMessage,
  inventoryMessage,
  sampleBatchMessage,
  type Topology,
} from '@vigil/contracts';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { ScheduledCollector } from './collectors/collector';
import { CollectorRunner } from './collectors/collector-runner';
import type { ConfigView } from './config/config-manager';
import type { RemoteConfig } from './config/remote-config';
import { FailureStreaks } from './failure-streaks';
import type { HostFactsSource } from './inventory/host-facts';
import type { OutboundMessage, Publisher } from './publish/publisher';
import { PeriodicTask } from './schedule/periodic-task';
import type { AgentMetrics } from './self-metrics/agent-metrics';
import type { BatchSequence } from './state/batch-sequence';
import { AGENT_VERSION } from './version';

export interface AgentSettings {
  topology: Topology;
  stateDir: string;
  hostname: string;
  /** Use this node id instead of the one stored in the state directory. */
  nodeIdOverride?: string;
}

export interface AgentDeps {
  /**
   * Builds the collectors and their intervals, given the agent's logger (bound to the node
   * id) and the config: once per run, and again when `collectors` or `sampleIntervalMs` change.
   */
  collectors: (logger: Logger, config: AgentConfig) => readonly ScheduledCollector[];
  /** Intervals, labels and collector settings; a change applies to the running session. */
  config: ConfigView;
  /** Started with the node id once it is known, before the first heartbeat; see KvConfigSource. */
  remoteConfig?: RemoteConfig;
  hostFacts: HostFactsSource;
  publisher: Publisher;
  /** Counts what the session does; every batch carries its current values. */
  metrics: AgentMetrics;
  clock: Clock;
  logger: Logger;
}

/** A periodic task and which setting its interval follows. */
interface ScheduledTask {
  task: PeriodicTask;
  intervalMs(config: AgentConfig): number;
}

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
  private readonly publishStreaks = new FailureStreaks();
  private config: AgentConfig;
  private runner: CollectorRunner;
  private readonly inventoryTask: PeriodicTask;
  private readonly tasks: ScheduledTask[];
  private readonly startedAtMs: number;
  private unsubscribe?: () => void;

  constructor(
    private readonly settings: AgentSettings,
    private readonly deps: AgentDeps,
    private readonly identity: SessionIdentity,
  ) {
    const { clock, logger } = deps;
    this.startedAtMs = clock.monotonicMs();
    this.config = deps.config.current();
    this.runner = this.createRunner(this.config);
    const schedule = (
      name: string,
      intervalMs: ScheduledTask['intervalMs'],
      run: () => Promise<void>,
    ): ScheduledTask => ({
      task: new PeriodicTask(name, intervalMs(this.config), run, logger),
      intervalMs,
    });
    const inventory = schedule(
      'inventory',
      (c) => c.inventoryIntervalMs,
      () => this.sendInventoryIfChanged(),
    );
    this.inventoryTask = inventory.task;
    this.tasks = [
      schedule(
        'heartbeat',
        (c) => c.heartbeatIntervalMs,
        () => this.sendHeartbeat(),
      ),
      schedule(
        'inventory retry',
        (c) => c.heartbeatIntervalMs,
        () => this.publishPendingInventory(),
      ),
      inventory,
      schedule(
        'samples',
        (c) => c.sampleIntervalMs,
        () => this.sendSampleBatch(),
      ),
    ];
  }

  start(): void {
    this.unsubscribe = this.deps.config.onChange((config) => this.reconfigure(config));
    for (const { task } of this.tasks) task.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all(this.tasks.map(({ task }) => task.stop()));
    await this.persistSequence();
  }

  /** Applies a new config without a restart: intervals, labels and collector settings. */
  reconfigure(config: AgentConfig): void {
    const previous = this.config;
    // First what may throw (building collectors), so that a failure leaves the session as it was.
    if (
      config.sampleIntervalMs !== previous.sampleIntervalMs ||
      !isDeepStrictEqual(config.collectors, previous.collectors)
    ) {
      this.runner = this.createRunner(config);
    }
    this.config = config;
    for (const { task, intervalMs } of this.tasks) task.reschedule(intervalMs(config));
    // The inventory carries the labels: publish it now rather than at the next check.
    if (!isDeepStrictEqual(config.labels, previous.labels)) this.inventoryTask.runNow();
  }

  /** A collector still running when the next batch is due counts as failed. */
  private createRunner(config: AgentConfig): CollectorRunner {
    const { clock, logger, metrics } = this.deps;
    const { sampleIntervalMs } = config;
    const collectors = this.deps.collectors(logger, config);
    metrics.keepCollectors(collectors.map(({ collector }) => collector.name));
    return new CollectorRunner(collectors, {
      clock,
      logger,
      report: metrics,
      sampleMs: sampleIntervalMs,
      timeoutMs: sampleIntervalMs,
    });
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
      intervalMs: this.config.heartbeatIntervalMs,
      labels: this.config.labels,
      config: deps.config.applied(),
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
      intervalMs: this.config.sampleIntervalMs,
      samples: [...samples, ...(await deps.metrics.samples())],
    };
    if (await this.send(sampleBatchMessage(settings.topology, batch))) deps.metrics.batchSent();
  }

  private async sendInventoryIfChanged(): Promise<void> {
    const { settings, deps, identity } = this;
    const facts = await deps.hostFacts();
    const message = inventoryMessage(settings.topology, {
      nodeId: identity.nodeId,
      collectedAt: new Date(deps.clock.now()).toISOString(),
      hostname: settings.hostname,
      agentVersion: AGENT_VERSION,
      labels: this.config.labels,
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
      this.deps.metrics.publishFailed(message.kind);
      if (this.publishStreaks.failed(message.kind)) {
        logger.warn(
          { err: e, kind: message.kind, subject: message.subject },
          'publish failed; dropping messages until it succeeds again',
        );
      }
      return false;
    }
    const failed = this.publishStreaks.succeeded(message.kind);
    if (failed > 0) logger.info({ kind: message.kind, dropped: failed }, 'publishing recovered');
    return true;
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
