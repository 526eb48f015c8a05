import { Injectable, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import {
  type AppliedConfig,
  decodeJson,
  Heartbeat,
  IllegalStateError,
  Inventory,
  inventoryHash,
  type EventMeta,
  type NodeEvent,
  SupervisorEvent,
} from '@vigil/contracts';
import type { StoredEvent } from '@vigil/event-store';
import { JetStreamWorker, PoisonMessageError, RetryableError } from '@vigil/messaging';
import {
  Bus,
  Cache,
  Database,
  InjectConfig,
  LeasedSchedule,
  Observability,
  RedisLease,
  type ServiceConfig,
} from '@vigil/platform';
import { currentTraceId } from '@vigil/telemetry';
import type { RegistryEnv } from '../config';
import { NodeCommands } from '../domain/node/node.commands';
import { IdentityVerifier } from '../identity/identity.verifier';
import { ReplayMarksPruner } from '../identity/replay-marks-pruner';
import { RegistryMetrics } from '../registry.metrics';
import { PresenceStore } from './presence.store';
import { nodeRegistered, UnenrolledNodeLimit } from './unenrolled-nodes';
import { recordSupervisorEvent } from './supervised-processes';

/** How often one replica prunes the stored replay marks (ReplayMarksPruner). */
const MARKS_PRUNE_MS = 60_000;

/** How a message's sender is checked; answers whether it came signed by an enrolled node. */
export type Verify = (msg: JsMsg, claimedNodeId: string) => Promise<{ enrolled: boolean }>;

/**
 * Turns heartbeats and inventory into node events, and silence into `node.offline`.
 *
 * The hot path (a heartbeat from a node known to be online) touches Redis only;
 * the aggregate is read only when presence may change.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly presence: PresenceStore;
  private readonly workers: JetStreamWorker[];
  private readonly sweeper: LeasedSchedule;
  private readonly marksPruning: LeasedSchedule;
  private readonly unenrolled: UnenrolledNodeLimit;

  constructor(
    private readonly bus: Bus,
    private readonly cache: Cache,
    private readonly db: Database,
    private readonly obs: Observability,
    private readonly commands: NodeCommands,
    private readonly verifier: IdentityVerifier,
    private readonly metrics: RegistryMetrics,
    @InjectConfig() private readonly config: ServiceConfig & RegistryEnv,
  ) {
    this.presence = new PresenceStore(cache);
    this.unenrolled = new UnenrolledNodeLimit(db, config.VIGIL_MAX_UNENROLLED_NODES);
    const deps = {
      js: bus.js,
      nc: bus.nc,
      jsm: bus.jsm,
      logger: obs.logger,
      dlq: bus.dlq,
      messages: obs.nats.messages,
      duration: obs.nats.handlerDuration,
    };
    const t = bus.topology;
    this.workers = [
      new JetStreamWorker(
        deps,
        {
          stream: t.streams.telemetry,
          durable: t.consumers.registryHeartbeats,
          filterSubject: t.subjects.allHeartbeats(),
          subjectPattern: t.unprefixed(t.subjects.allHeartbeats()),
          // Heartbeats take milliseconds; a replica that died holding some gets them redelivered soon.
          ackWaitMs: 10_000,
          // Order between heartbeats does not matter: last-seen only moves forward (ZADD GT)
          // and presence changes go through the aggregate's optimistic concurrency.
          concurrency: 32,
        },
        (m) => this.onHeartbeat(m),
      ),
      new JetStreamWorker(
        deps,
        {
          stream: t.streams.telemetry,
          durable: t.consumers.registryInventory,
          filterSubject: t.subjects.allInventory(),
          subjectPattern: t.unprefixed(t.subjects.allInventory()),
          maxDeliver: 30,
        },
        (m) => this.onInventory(m),
      ),
      new JetStreamWorker(
        deps,
        {
          stream: t.streams.telemetry,
          durable: t.consumers.registryAgentEvents,
          filterSubject: t.subjects.allAgentEvents(),
          subjectPattern: t.unprefixed(t.subjects.allAgentEvents()),
        },
        (m) => this.onAgentEvent(m),
      ),
    ];
    for (const worker of this.workers) {
      const { stream, durable } = worker.consumer;
      bus.readers.add({ name: durable, stream, kind: 'durable', pending: () => worker.pending() });
    }
    this.sweeper = new LeasedSchedule(
      new RedisLease(cache.redis, cache.key('registry', 'lease', 'presence-sweep'), config.VIGIL_PRESENCE_SWEEP_MS * 3),
      config.VIGIL_PRESENCE_SWEEP_MS,
      () => this.sweep(),
      (e) => obs.logger.error({ err: e }, 'presence sweep failed'),
    );
    const pruner = new ReplayMarksPruner(db, bus.jsm, t, config.VIGIL_SIGNATURE_SKEW_MS);
    this.marksPruning = new LeasedSchedule(
      new RedisLease(cache.redis, cache.key('registry', 'lease', 'replay-marks-prune'), MARKS_PRUNE_MS * 3),
      MARKS_PRUNE_MS,
      async () => metrics.replayMarksPruned.inc(await pruner.prune()),
      (e) => obs.logger.error({ err: e }, 'replay marks prune failed'),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.trackKnownOnlineNodes();
    // Redis back after a loss: rebuild at once rather than at the next sweep this replica leads.
    this.cache.redis.on('ready', () => {
      this.rebuildIfLost().catch((e: unknown) => this.obs.logger.warn({ err: e }, 'presence rebuild failed'));
    });
    for (const w of this.workers) await w.start();
    this.sweeper.start();
    this.marksPruning.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
    await this.marksPruning.stop();
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  private meta(causationId: string, nodeId: string): EventMeta {
    return { correlationId: currentTraceId() ?? causationId, causationId, actor: `agent:${nodeId}` };
  }

  /** How a message's sender is checked: `verify` for the live consumers, `verifyRedriven` for a redrive. */
  private readonly live: Verify = (msg, nodeId) => this.verifier.verify(msg, nodeId);

  /**
   * The handling of each kind of agent message, for a redrive: the same decoding, checks and
   * effects as the live consumers', with the sender checked by `verify`.
   */
  handlers(verify: Verify): Record<'heartbeat' | 'inventory' | 'agentEvent', (msg: JsMsg) => Promise<void>> {
    return {
      heartbeat: (msg) => this.onHeartbeat(msg, verify),
      inventory: (msg) => this.onInventory(msg, verify),
      agentEvent: (msg) => this.onAgentEvent(msg, verify),
    };
  }

  private async onHeartbeat(msg: JsMsg, verify = this.live): Promise<void> {
    const hb = decodeJson(Heartbeat, msg.data, 'heartbeat');
    const { enrolled } = await verify(msg, hb.nodeId);
    // The time JetStream stored the heartbeat, not the agent's clock (which may be off)
    // nor ours (a backlog replayed after an outage is not fresh).
    const receivedAt = msg.time;
    const known = await this.presence.sighted(hb.nodeId, receivedAt);
    // Presence does not know the node (new, or forgotten while offline): one that never
    // enrolled registers only below the limit. Nothing was kept for it yet (sighted adds
    // only nodes presence knows).
    if (known.status === null && !enrolled && !(await this.unenrolled.admit(hb.nodeId))) {
      this.metrics.unenrolledRefused.inc();
      throw new PoisonMessageError(
        'over_limit',
        `unenrolled_nodes: node ${hb.nodeId} never enrolled and ${this.unenrolled.max} nodes that never enrolled are registered (VIGIL_MAX_UNENROLLED_NODES)`,
      );
    }
    if (known.status !== 'online') await this.bringOnline(hb, receivedAt, `hb:${msg.seq}`);
    if (hb.config) await this.recordConfig(hb.nodeId, hb.config, known.configFingerprint, `hb:${msg.seq}`);
  }

  private async recordConfig(
    nodeId: string,
    config: AppliedConfig,
    known: string | null,
    causationId: string,
  ): Promise<void> {
    const fingerprint = JSON.stringify([config.version, config.status, config.error ?? null]);
    if (known === fingerprint) return;
    const events = await this.commands.handle(
      nodeId,
      { type: 'RecordConfig', nodeId, config },
      this.meta(causationId, nodeId),
    );
    for (const e of events)
      this.obs.logger.info(
        { node_id: nodeId, config: e.type === 'node.config_reported' ? e.data.config : undefined },
        e.type,
      );
    await this.presence.setConfigFingerprint(nodeId, fingerprint);
  }

  private async bringOnline(hb: Heartbeat, receivedAt: Date, causationId: string): Promise<void> {
    const events = await this.commands.handle(
      hb.nodeId,
      { type: 'RecordHeartbeat', heartbeat: hb, receivedAt },
      this.meta(causationId, hb.nodeId),
    );
    this.noteTransitions(events);
    await this.presence.setOnline(hb.nodeId, receivedAt);
  }

  private noteTransitions(events: StoredEvent<NodeEvent>[]): void {
    for (const e of events) {
      if (e.type === 'node.online') this.metrics.connects.inc();
      if (e.type === 'node.offline') this.metrics.disconnects.inc();
      if (e.type === 'node.online' || e.type === 'node.offline') {
        this.obs.logger.info({ node_id: e.data.nodeId, last_seen_at: e.data.lastSeenAt }, e.type);
      }
    }
  }

  /** What happened to a process a node's agent supervises (started, exited, restarted …). */
  private async onAgentEvent(msg: JsMsg, verify = this.live): Promise<void> {
    const event = decodeJson(SupervisorEvent, msg.data, 'supervisor event');
    await verify(msg, event.nodeId);
    // Only for a registered node, as inventory (its first heartbeat registers it): an id
    // nobody registered (or the limit refused) keeps no rows; parked after the worker's tries.
    if (!(await nodeRegistered(this.db, event.nodeId)))
      throw new RetryableError(`node ${event.nodeId} is not registered yet`, 2000);
    const max = this.config.VIGIL_MAX_SUPERVISED_PROCESSES;
    if ((await recordSupervisorEvent(this.db, event, max)) === 'over_limit') {
      this.metrics.supervisedProcessesRefused.inc();
      throw new PoisonMessageError(
        'over_limit',
        `supervised_processes_per_node: node ${event.nodeId} already has ${max} supervised processes; ${JSON.stringify(event.process)} is not one of them (VIGIL_MAX_SUPERVISED_PROCESSES)`,
      );
    }
  }

  private async onInventory(msg: JsMsg, verify = this.live): Promise<void> {
    const inventory = decodeJson(Inventory, msg.data, 'inventory');
    await verify(msg, inventory.nodeId);
    const hash = inventoryHash(inventory);
    try {
      await this.commands.handle(
        inventory.nodeId,
        { type: 'RecordInventory', inventory, hash },
        this.meta(`inv:${msg.seq}`, inventory.nodeId),
      );
    } catch (e) {
      if (e instanceof IllegalStateError) throw new RetryableError(e.message, 2000);
      throw e;
    }
  }

  /**
   * Declares offline every node silent for longer than the timeout. Runs on one
   * replica (lease). A heartbeat that lands between our read of last-seen and our
   * append is caught by the re-check after it and brings the node straight back.
   */
  private async sweep(): Promise<void> {
    await this.rebuildIfLost();
    const timeoutMs = this.config.VIGIL_OFFLINE_TIMEOUT_MS;
    const cutoff = new Date(Date.now() - timeoutMs);
    const silent = await this.presence.silentSince(cutoff);
    const gone: string[] = [];
    for (const { nodeId, lastSeen } of silent) {
      const status = await this.presence.status(nodeId);
      if (status !== 'online') {
        if (status === 'offline') gone.push(nodeId);
        continue;
      }
      const events = await this.commands.handle(
        nodeId,
        { type: 'MarkOffline', lastSeenAt: lastSeen, timeoutMs },
        { correlationId: `sweep:${nodeId}:${lastSeen.getTime()}`, causationId: null, actor: 'service:registry-svc' },
      );
      await this.presence.setStatus(nodeId, 'offline');
      this.noteTransitions(events);
      const seen = (await this.presence.lastSeen([nodeId])).get(nodeId);
      if (seen && seen > lastSeen) {
        const back = await this.commands.handle(
          nodeId,
          { type: 'RecordSighting', nodeId, receivedAt: seen },
          { correlationId: `sweep:${nodeId}:${seen.getTime()}`, causationId: null, actor: 'service:registry-svc' },
        );
        this.noteTransitions(back);
        await this.presence.setStatus(nodeId, 'online');
      }
    }
    // Offline since the sweep before: forgotten (the next sweep takes those marked just now).
    if (gone.length > 0) this.metrics.presenceEvictions.inc(await this.presence.evict(gone, cutoff));
  }

  /**
   * After a Redis loss the presence set is empty, and a node that died meanwhile would never
   * time out. Every node the read model has online is tracked again (as seen now: it gets one
   * full timeout to speak; a node still heartbeating is already back by its heartbeats). Done at
   * start, and whenever the sweep (or a reconnection) finds the marker gone: Redis restarted
   * empty or was flushed while this service ran.
   */
  private async trackKnownOnlineNodes(): Promise<void> {
    const rows = await this.db.query<{ id: string }>(
      'nodes_online',
      `SELECT id FROM registry.nodes WHERE status = 'online'`,
    );
    await this.presence.rebuild(
      rows.map((r) => r.id),
      new Date(),
    );
    this.metrics.presenceRebuilds.inc();
    this.obs.logger.info({ nodes: rows.length }, 'presence rebuilt from the read model');
  }

  /** Rebuilds presence if Redis lost it (one EXISTS: cheap enough for every sweep). */
  private async rebuildIfLost(): Promise<void> {
    if (!(await this.presence.built())) await this.trackKnownOnlineNodes();
  }
}
