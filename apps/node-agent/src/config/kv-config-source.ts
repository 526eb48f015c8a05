import { setTimeout as sleep } from 'node:timers/promises';
import type { KvEntry, KvWatchEntry, Kvm } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/nats-core';
import { agentConfigKeys } from '@vigil/contracts';
import type { Logger } from 'pino';
import { parseLayer } from './config-layer';
import type { ConfigManager } from './config-manager';

export interface KvConfigSourceOptions {
  /** topology.buckets.agentConfig */
  bucket: string;
  /** How long start() waits for the current documents before the agent starts without them. */
  initialLoadTimeoutMs: number;
  /** First wait after a failure; it doubles up to MAX_RETRY_DELAY_MS while the failure lasts. */
  retryDelayMs: number;
}

type KvLayer = 'fleet' | 'node';
interface WatchedKey {
  layer: KvLayer;
  key: string;
}

const MAX_RETRY_DELAY_MS = 60_000;
/** Used only when the agent is the first to open the bucket; a bucket that exists keeps its settings. */
const BUCKET_OPTIONS = { history: 10, description: 'Vigil agent configuration: key `fleet` and `node.<nodeId>`' };

/**
 * Feeds the fleet and node documents of the agent-config KV bucket into the
 * ConfigManager: their current values at start, then every change, live. One watch
 * per key, because watching several keys at once needs NATS 2.10. When the bucket
 * cannot be reached the agent runs on its last good config and this keeps retrying.
 */
export class KvConfigSource {
  /** The revision last applied per layer: a new watch repeats the value get() returned. */
  private readonly revisions = new Map<KvLayer, number>();
  private stopping = new AbortController();
  private watches: QueuedIterator<KvWatchEntry>[] = [];
  private running?: Promise<void>;

  constructor(
    private readonly kvm: Kvm,
    private readonly config: ConfigManager,
    private readonly logger: Logger,
    private readonly options: KvConfigSourceOptions,
  ) {}

  /** Resolves once the current documents are applied, or after initialLoadTimeoutMs. */
  async start(nodeId: string): Promise<void> {
    if (this.running) throw new Error('the KV config source is already running');
    this.stopping = new AbortController();
    const keys: WatchedKey[] = [
      { layer: 'fleet', key: agentConfigKeys.fleet },
      { layer: 'node', key: agentConfigKeys.node(nodeId) },
    ];
    let loaded = () => {};
    const firstLoad = new Promise<void>((resolve) => (loaded = resolve));
    this.running = this.run(keys, loaded);
    if (!(await settlesWithin(firstLoad, this.options.initialLoadTimeoutMs))) {
      this.logger.warn(
        { bucket: this.options.bucket, timeout_ms: this.options.initialLoadTimeoutMs },
        'remote config not loaded in time; starting without it, it applies when it arrives',
      );
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.stopWatches();
    await this.running;
    this.running = undefined;
  }

  private async run(keys: WatchedKey[], loaded: () => void): Promise<void> {
    let delayMs = this.options.retryDelayMs;
    let failing = false;
    while (!this.stopping.signal.aborted) {
      try {
        await this.watch(keys, () => {
          loaded();
          if (failing) this.logger.info({ bucket: this.options.bucket }, 'remote config reachable again');
          failing = false;
          delayMs = this.options.retryDelayMs;
        });
      } catch (e) {
        if (!failing) this.logger.warn({ err: e, bucket: this.options.bucket }, 'remote config unavailable; retrying');
        failing = true;
      }
      await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      delayMs = Math.min(delayMs * 2, MAX_RETRY_DELAY_MS);
    }
  }

  /**
   * Loads the current documents, then applies changes until stop(). When one watch ends
   * or fails the other is stopped too, and run() starts both over from a fresh get().
   */
  private async watch(keys: WatchedKey[], loaded: () => void): Promise<void> {
    const kv = await this.kvm.create(this.options.bucket, BUCKET_OPTIONS);
    for (const { layer, key } of keys) this.apply(layer, await kv.get(key));
    loaded();
    this.watches = await Promise.all(keys.map(({ key }) => kv.watch({ key })));
    // stop() may have come while the watches were being created.
    if (this.stopping.signal.aborted) this.stopWatches();
    const following = this.watches.map(async (watch, i) => {
      for await (const entry of watch) this.apply(keys[i].layer, entry);
    });
    try {
      await Promise.race(following);
    } finally {
      this.stopWatches();
      await Promise.allSettled(following);
    }
    if (!this.stopping.signal.aborted) throw new Error('a config watch ended');
  }

  private apply(layer: KvLayer, entry: KvEntry | null): void {
    if (entry === null) {
      this.revisions.delete(layer);
      this.config.remove(layer);
      return;
    }
    if (this.revisions.get(layer) === entry.revision) return;
    this.revisions.set(layer, entry.revision);
    if (entry.operation === 'PUT') this.config.set(parseLayer(layer, entry.string(), String(entry.revision)));
    else this.config.remove(layer);
  }

  private stopWatches(): void {
    for (const watch of this.watches) watch.stop();
  }
}

async function settlesWithin(work: Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([work.then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
