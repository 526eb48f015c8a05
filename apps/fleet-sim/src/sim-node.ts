import { randomUUID } from 'node:crypto';
import { heartbeatMessage, inventoryMessage, type Labels, sampleBatchMessage, type Topology } from '@vigil/contracts';
import type { SimMessage } from './messages';
import { nodeInventory } from './node-inventory';
import type { NodeProfile } from './node-profile';
import { nodeSamplesAt } from './node-samples';

export const SIM_AGENT_VERSION = '0.1.0-sim';

export interface SimTiming {
  heartbeatMs: number;
  sampleMs: number;
}

/** One simulated agent process: like the real one it runs, stops and starts again. */
export class SimNode {
  private running = false;
  private bootId = '';
  private startedAtMs = 0;
  private heartbeatSeq = 0;
  private nextBatchSeq = 0;
  private nextHeartbeatAtMs = 0;
  private nextSampleAtMs = 0;
  private inventoryPending = false;
  private readonly labels: Labels;

  constructor(
    readonly profile: NodeProfile,
    private readonly topology: Topology,
    private readonly timing: SimTiming,
  ) {
    this.labels = { env: 'sim', role: profile.role, region: profile.region };
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * (Re)starts the agent: a new boot id whose heartbeats count from 0, and a heartbeat,
   * the inventory and a batch due at once. The simulator keeps no state on disk, so batch
   * sequence numbers are tied to the clock instead: a start resumes at least at
   * floor(now / sampleMs), and batches, at most one per sample interval, never get ahead
   * of that bound. A simulator restarted more than a sample interval later therefore never
   * reuses a `<nodeId>:<seq>` message id (JetStream would drop it as a duplicate), just as
   * the real agent never does.
   */
  start(nowMs: number): void {
    if (this.running) return;
    this.running = true;
    this.bootId = randomUUID();
    this.startedAtMs = nowMs;
    this.heartbeatSeq = 0;
    this.nextBatchSeq = Math.max(this.nextBatchSeq, Math.floor(nowMs / this.timing.sampleMs));
    this.nextHeartbeatAtMs = nowMs;
    this.nextSampleAtMs = nowMs;
    this.inventoryPending = true;
  }

  stop(): void {
    this.running = false;
  }

  /** Called once the inventory is stored; until then it is offered again at every heartbeat. */
  inventoryPublished(): void {
    this.inventoryPending = false;
  }

  /** The messages due at `nowMs`; advances the node's schedule. */
  dueMessages(nowMs: number): SimMessage[] {
    if (!this.running) return [];
    const messages: SimMessage[] = [];
    if (nowMs >= this.nextHeartbeatAtMs) {
      this.nextHeartbeatAtMs = nextDue(this.nextHeartbeatAtMs, this.timing.heartbeatMs, nowMs);
      messages.push(this.heartbeat(nowMs));
      if (this.inventoryPending) messages.push(this.inventory(nowMs));
    }
    if (nowMs >= this.nextSampleAtMs) {
      this.nextSampleAtMs = nextDue(this.nextSampleAtMs, this.timing.sampleMs, nowMs);
      messages.push(this.sampleBatch(nowMs));
    }
    return messages;
  }

  private heartbeat(nowMs: number): SimMessage {
    const heartbeat = {
      nodeId: this.profile.nodeId,
      seq: this.heartbeatSeq++,
      sentAt: new Date(nowMs).toISOString(),
      hostname: this.profile.hostname,
      agentVersion: SIM_AGENT_VERSION,
      uptimeSeconds: (nowMs - this.startedAtMs) / 1000,
      intervalMs: this.timing.heartbeatMs,
      labels: this.labels,
    };
    return heartbeatMessage(this.topology, heartbeat, this.bootId);
  }

  private inventory(nowMs: number): SimMessage {
    const inventory = nodeInventory(this.profile, {
      collectedAt: new Date(nowMs).toISOString(),
      agentVersion: SIM_AGENT_VERSION,
      labels: this.labels,
    });
    return inventoryMessage(this.topology, inventory);
  }

  private sampleBatch(nowMs: number): SimMessage {
    const batch = {
      nodeId: this.profile.nodeId,
      seq: this.nextBatchSeq++,
      timestamp: nowMs,
      intervalMs: this.timing.sampleMs,
      samples: nodeSamplesAt(this.profile, nowMs),
    };
    return sampleBatchMessage(this.topology, batch);
  }
}

/** The next due time after `dueMs`; when the loop fell behind, one interval from now rather than a burst of catch-up ticks. */
function nextDue(dueMs: number, intervalMs: number, nowMs: number): number {
  const next = dueMs + intervalMs;
  return next > nowMs ? next : nowMs + intervalMs;
}
