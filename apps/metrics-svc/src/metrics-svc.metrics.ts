import { SERIES_LIMITS, TIERS } from '@vigil/contracts';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type MetricsSvcMetrics = ReturnType<typeof createMetricsSvcMetrics>;

/** metrics-svc's own instruments (the platform adds HTTP, NATS, DB and DLQ ones). */
/** Nodes named by `vigil_ingest_series_limited_total` at most; the rest are counted as `node="_other"`. */
export const LIMITED_NODE_LABELS = 1000;

export function createMetricsSvcMetrics(
  registry: Registry,
  activeSeries: () => number,
  ownedPartitions: () => number,
  heldNodes: () => number = () => 0,
) {
  const registers = [registry];
  const batches = new Counter({
    name: 'vigil_metrics_ingest_batches_total',
    help: 'Sample batches read from TELEMETRY, by outcome (replayed: already in Postgres, skipped)',
    labelNames: ['result'],
    registers,
  });
  for (const result of ['folded', 'replayed', 'invalid', 'identity_mismatch']) batches.inc({ result }, 0);
  const discarded = new Counter({
    name: 'vigil_metrics_samples_discarded_total',
    help: 'Samples not stored, by reason (too_old: older than the longest retention)',
    labelNames: ['reason'],
    registers,
  });
  discarded.inc({ reason: 'too_old' }, 0);
  discarded.inc({ reason: 'series_limit' }, 0);
  const limitRejections = new Counter({
    name: 'vigil_metrics_ingest_limit_rejections_total',
    help: 'Sample batches parked because one series broke a limit of the batch contract, by limit',
    labelNames: ['limit'],
    registers,
  });
  for (const limit of Object.keys(SERIES_LIMITS)) limitRejections.inc({ limit }, 0);
  const seriesLimited = new Counter({
    name: 'vigil_ingest_series_limited_total',
    help: 'Samples not stored because their series is over a cardinality limit (series_per_node, series_per_metric, series_in_memory), by node (the first 1000 nodes; the rest as _other) and limit',
    labelNames: ['node', 'limit'],
    registers,
  });
  const limitedNodes = new Set<string>();
  const evictions = new Counter({
    name: 'vigil_metrics_ingest_evictions_total',
    help: 'Series and nodes the ingest forgot after VIGIL_METRICS_INGEST_SERIES_IDLE_MS without samples',
    labelNames: ['what'],
    registers,
  });
  evictions.inc({ what: 'series' }, 0);
  evictions.inc({ what: 'node' }, 0);
  const rows = new Counter({
    name: 'vigil_metrics_rollup_rows_written_total',
    help: 'Rollup rows inserted or merged, by tier',
    labelNames: ['tier'],
    registers,
  });
  for (const tier of TIERS) rows.inc({ tier }, 0);
  const replayMarksPruned = new Counter({
    name: 'vigil_replay_marks_pruned_total',
    help: 'Stored replay marks deleted because they can no longer refuse a message (metrics.replay_marks)',
    registers,
  });
  replayMarksPruned.inc(0);
  const liveFieldsSwept = new Counter({
    name: 'vigil_metrics_live_fields_swept_total',
    help: 'Live-view fields (a node and metric in Redis) deleted by the sweep because nothing wrote them for twice the idle time',
    registers,
  });
  liveFieldsSwept.inc(0);
  return {
    replayMarksPruned,
    liveFieldsSwept,
    samples: new Counter({
      name: 'vigil_metrics_ingest_samples_total',
      help: 'Samples folded into rollups',
      registers,
    }),
    batches,
    discarded,
    rows,
    limitRejections,
    evictions,
    /** Counts samples dropped by a cardinality limit, with a bounded set of node labels. */
    seriesLimited(nodeId: string, limit: string, samples: number): void {
      if (!limitedNodes.has(nodeId)) {
        if (limitedNodes.size >= LIMITED_NODE_LABELS) nodeId = '_other';
        else limitedNodes.add(nodeId);
      }
      seriesLimited.inc({ node: nodeId, limit }, samples);
      discarded.inc({ reason: 'series_limit' }, samples);
    },
    reread: new Counter({
      name: 'vigil_metrics_ingest_reread_batches_total',
      help: 'Batches folded again after a rewind or a takeover (already shown once; not in the lag histogram)',
      registers,
    }),
    lag: new Histogram({
      name: 'vigil_metrics_ingest_lag_seconds',
      help: "From a batch's timestamp until its samples are first queryable (written to the live view); batches read again are counted in vigil_metrics_ingest_reread_batches_total",
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 5, 10, 30, 60, 300, 3600],
      registers,
    }),
    flushDuration: new Histogram({
      name: 'vigil_metrics_flush_duration_seconds',
      help: 'Time to make one partition flush durable (series ids, live view, Postgres)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    rollupDuration: new Histogram({
      name: 'vigil_metrics_rollup_duration_seconds',
      help: 'Time of one rollup run into the 1 min, 10 min or 1 h tier',
      labelNames: ['tier'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
      registers,
    }),
    activeSeries: new Gauge({
      name: 'vigil_metrics_active_series',
      help: 'Series held in memory by this replica',
      registers,
      collect() {
        this.set(activeSeries());
      },
    }),
    heldNodes: new Gauge({
      name: 'vigil_metrics_ingest_nodes_held',
      help: 'Nodes whose series this replica holds in memory',
      registers,
      collect() {
        this.set(heldNodes());
      },
    }),
    ownedPartitions: new Gauge({
      name: 'vigil_metrics_ingest_partitions_owned',
      help: 'TELEMETRY partitions this replica ingests',
      registers,
      collect() {
        this.set(ownedPartitions());
      },
    }),
  };
}
