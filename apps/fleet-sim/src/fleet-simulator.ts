import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Topology } from '@vigil/contracts';
import pino, { type Logger } from 'pino';
import { publishMessage, type SimMessage } from './messages';
import { createNodeProfile } from './node-profile';
import { SimNode } from './sim-node';

export interface FleetSimulatorOptions {
  nc: NatsConnection;
  topology: Topology;
  nodes: number;
  heartbeatMs?: number;
  sampleMs?: number;
  /** Same seed, same node ids and same curves. */
  seed?: number;
  /** Start of node ids (`<prefix>-<seed>-<index>`) and hostnames (`<prefix>-<role>-<index>`). */
  namePrefix?: string;
  logger?: Logger;
  /** Wall-clock Unix milliseconds; Date.now unless a test says otherwise. */
  clock?: () => number;
}

/**
 * N simulated node agents in one process, speaking the same contracts as the real agent.
 * One timer drives the whole fleet: each tick publishes what every running node has due,
 * so a thousand nodes cost one timer, not a thousand.
 */
export class FleetSimulator {
  private readonly nodes: SimNode[];
  private readonly js: JetStreamClient;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly tickMs: number;
  private timer?: NodeJS.Timeout;
  private tickInProgress?: Promise<void>;
  private publishFailures = 0;
  private failing = false;

  constructor(opts: FleetSimulatorOptions) {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 0)
      throw new RangeError(`nodes must be a non-negative integer, got ${opts.nodes}`);
    const timing = { heartbeatMs: opts.heartbeatMs ?? 5_000, sampleMs: opts.sampleMs ?? 1_000 };
    for (const [name, ms] of Object.entries(timing)) {
      if (!Number.isInteger(ms) || ms < 10)
        throw new RangeError(`${name} must be an integer of at least 10, got ${ms}`);
    }
    const profileOptions = { seed: opts.seed ?? 1, namePrefix: opts.namePrefix ?? 'sim' };
    this.nodes = Array.from(
      { length: opts.nodes },
      (_, i) => new SimNode(createNodeProfile(profileOptions, i), opts.topology, timing),
    );
    this.js = jetstream(opts.nc);
    this.logger = opts.logger ?? pino({ level: 'silent' });
    this.clock = opts.clock ?? Date.now;
    this.tickMs = Math.min(timing.heartbeatMs, timing.sampleMs);
  }

  nodeIds(): string[] {
    return this.nodes.map((n) => n.profile.nodeId);
  }

  /** Starts every node; resolves once their first heartbeat, inventory and batch were published. */
  async start(): Promise<void> {
    if (this.timer) return;
    const now = this.clock();
    for (const node of this.nodes) node.start(now);
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.tick();
    await this.tickInProgress;
    this.logger.info({ nodes: this.nodes.length, tick_ms: this.tickMs }, 'fleet simulator started');
  }

  /** Stops the timer and every node, after the tick in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.tickInProgress;
    for (const node of this.nodes) node.stop();
    this.logger.info({ publish_failures: this.publishFailures }, 'fleet simulator stopped');
  }

  /** Stops one node's agent: its heartbeats and batches cease, as when an agent dies. */
  stopNode(index: number): void {
    this.node(index).stop();
  }

  /** Starts one node's agent again: a new boot, publishing from the next tick. */
  startNode(index: number): void {
    this.node(index).start(this.clock());
  }

  private node(index: number): SimNode {
    const node = this.nodes[index];
    if (!node) throw new RangeError(`no simulated node ${index} (the fleet has ${this.nodes.length})`);
    return node;
  }

  private tick(): void {
    if (this.tickInProgress) return;
    this.tickInProgress = this.publishDue()
      .catch((e: unknown) => this.logger.error({ err: e }, 'simulator tick failed'))
      .finally(() => {
        this.tickInProgress = undefined;
      });
  }

  private async publishDue(): Promise<void> {
    const now = this.clock();
    const publishes: Promise<void>[] = [];
    for (const node of this.nodes) {
      for (const message of node.dueMessages(now)) publishes.push(this.publish(node, message));
    }
    await Promise.all(publishes);
  }

  /** A failure is counted and logged once per streak; the node simply misses that message. */
  private async publish(node: SimNode, message: SimMessage): Promise<void> {
    try {
      await publishMessage(this.js, message);
    } catch (e) {
      this.publishFailures++;
      if (!this.failing) this.logger.warn({ err: e, subject: message.subject }, 'simulated publish failed');
      this.failing = true;
      return;
    }
    if (message.kind === 'inventory') node.inventoryPublished();
    if (this.failing) this.logger.info({ publish_failures: this.publishFailures }, 'simulated publishing recovered');
    this.failing = false;
  }
}
