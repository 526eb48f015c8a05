import { Counter, Gauge, type Registry } from 'prom-client';

/** Metrics of the bounded maps of a service, one label value per map. */
export interface BoundedMapMetrics {
  evictions: Counter<'map'>;
  entries: Gauge<'map'>;
}

/** `vigil_bounded_map_evictions_total{map}` and `vigil_bounded_map_entries{map}`, once per registry. */
export function boundedMapMetrics(registry: Registry): BoundedMapMetrics {
  const evictions =
    (registry.getSingleMetric('vigil_bounded_map_evictions_total') as Counter<'map'> | undefined) ??
    new Counter({
      name: 'vigil_bounded_map_evictions_total',
      help: 'Entries evicted from an in-memory map keyed by something clients choose (least recently used first)',
      labelNames: ['map'],
      registers: [registry],
    });
  const entries =
    (registry.getSingleMetric('vigil_bounded_map_entries') as Gauge<'map'> | undefined) ??
    new Gauge({
      name: 'vigil_bounded_map_entries',
      help: 'Entries held by an in-memory map keyed by something clients choose',
      labelNames: ['map'],
      registers: [registry],
    });
  return { evictions, entries };
}

/**
 * A Map with a bound, evicting the least recently used entries: past `max` entries, those not
 * read or written since the older half was started go, together. Two generations of at most
 * `max / 2` entries each (a read of an old entry moves it to the new one): O(1) for everything,
 * where evicting the oldest key of one Map one by one costs V8 a scan past every deleted entry.
 * For maps keyed by a node id or a label value, which anyone who can publish chooses.
 */
export class LruMap<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();
  private readonly half: number;
  private evictedCount = 0;

  /**
   * `evicted` is told of each entry evicted (by the bound or by `shift`), for an owner that
   * accounts for what its entries hold; not of entries deleted or replaced.
   */
  constructor(
    readonly max: number,
    private readonly metrics?: { name: string } & BoundedMapMetrics,
    private readonly evicted?: (key: K, value: V) => void,
  ) {
    if (!(max >= 2)) throw new Error(`LruMap bound must be at least 2, not ${max}`);
    this.half = Math.floor(max / 2);
    if (metrics) {
      metrics.evictions.inc({ map: metrics.name }, 0);
      metrics.entries.set({ map: metrics.name }, 0);
    }
  }

  get(key: K): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const old = this.previous.get(key);
    if (old !== undefined) {
      this.previous.delete(key);
      this.add(key, old);
    }
    return old;
  }

  /** Without making the entry recent. */
  peek(key: K): V | undefined {
    return this.current.get(key) ?? this.previous.get(key);
  }

  has(key: K): boolean {
    return this.current.has(key) || this.previous.has(key);
  }

  set(key: K, value: V): this {
    if (this.current.has(key)) this.current.set(key, value);
    else {
      this.previous.delete(key);
      this.add(key, value);
    }
    return this;
  }

  delete(key: K): boolean {
    const deleted = this.current.delete(key) || this.previous.delete(key);
    if (deleted) this.report();
    return deleted;
  }

  clear(): void {
    this.current.clear();
    this.previous.clear();
    this.report();
  }

  *keys(): IterableIterator<K> {
    yield* this.previous.keys();
    yield* this.current.keys();
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** Entries evicted since creation. */
  get evictions(): number {
    return this.evictedCount;
  }

  /** Evicts the least recently used entry (of the older generation, else of the newer) and returns it. */
  shift(): [K, V] | undefined {
    if (this.previous.size === 0) [this.previous, this.current] = [this.current, this.previous];
    const first = this.previous.entries().next();
    if (first.done) return undefined;
    const [key, value] = first.value;
    this.previous.delete(key);
    this.count(1);
    this.evicted?.(key, value);
    this.report();
    return [key, value];
  }

  private add(key: K, value: V): void {
    this.current.set(key, value);
    if (this.current.size >= this.half) {
      const dropped = this.previous;
      this.previous = this.current;
      this.current = new Map();
      if (dropped.size > 0) {
        this.count(dropped.size);
        if (this.evicted) for (const [k, v] of dropped) this.evicted(k, v);
      }
    }
    this.report();
  }

  private count(evicted: number): void {
    this.evictedCount += evicted;
    this.metrics?.evictions.inc({ map: this.metrics.name }, evicted);
  }

  private report(): void {
    this.metrics?.entries.set({ map: this.metrics.name }, this.size);
  }
}
