import type { Msg, Subscription } from '@nats-io/nats-core';
import { decodeSampleBatch, partitionOf, type SampleBatch, ValidationError } from '@vigil/contracts';
import type { Bus } from '@vigil/platform';
import type { Logger } from '@vigil/telemetry';
import type { Gauge } from 'prom-client';

/** What the samples of one node are handed to: a socket's `samples` subscription. */
export interface SampleListener {
  samples(batch: SampleBatch): void;
}

/**
 * Live sample batches of single nodes: one core NATS subscription per node for the whole
 * process (`telemetry.samples.<p>.<node>`), reference-counted by the subscriptions of every
 * socket that follows the node, each batch decoded once. Core NATS, not a JetStream consumer:
 * a live view wants what arrives now and nothing of the past, and core delivery costs the server
 * no consumer state per node. A batch is shown as its agent published it (the subject and the
 * batch must name the same node); its signature is checked by the services that store it, not here.
 */
export class SampleFeed {
  private readonly nodes = new Map<string, { sub: Subscription; listeners: Set<SampleListener> }>();

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly followed: Gauge,
  ) {}

  add(nodeId: string, listener: SampleListener): void {
    let node = this.nodes.get(nodeId);
    if (!node) {
      const subject = this.bus.topology.subjects.samples(partitionOf(nodeId, this.bus.topology.partitions), nodeId);
      const listeners = new Set<SampleListener>();
      const sub = this.bus.nc.subscribe(subject, {
        callback: (err, m) => (err ? this.failed(nodeId, err) : this.received(nodeId, listeners, m)),
      });
      node = { sub, listeners };
      this.nodes.set(nodeId, node);
      this.followed.inc({ kind: 'samples' });
    }
    node.listeners.add(listener);
  }

  remove(nodeId: string, listener: SampleListener): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    node.listeners.delete(listener);
    if (node.listeners.size > 0) return;
    node.sub.unsubscribe();
    this.nodes.delete(nodeId);
    this.followed.dec({ kind: 'samples' });
  }

  /** Nodes followed now (one NATS subscription each). */
  get size(): number {
    return this.nodes.size;
  }

  close(): void {
    for (const { sub } of this.nodes.values()) sub.unsubscribe();
    this.followed.dec({ kind: 'samples' }, this.nodes.size);
    this.nodes.clear();
  }

  private received(nodeId: string, listeners: Set<SampleListener>, m: Msg): void {
    let batch: SampleBatch;
    try {
      batch = decodeSampleBatch(m.data);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      this.logger.debug({ nodeId, err: { message: e.message } }, 'live: an invalid sample batch was skipped');
      return;
    }
    if (batch.nodeId !== nodeId) return;
    for (const listener of listeners) listener.samples(batch);
  }

  private failed(nodeId: string, err: Error): void {
    this.logger.error({ nodeId, err: { message: err.message } }, 'live: sample subscription failed');
  }
}
