import { MetricsInit1764100000000 } from './1764100000000-metrics-init';
import { MetricsIdentities1764200000000 } from './1764200000000-metrics-identities';
import { Metrics10mTier1764300000000 } from './1764300000000-metrics-10m-tier';
import { MetricsLateWrites1764400000000 } from './1764400000000-metrics-late-writes';
import { MetricsDlqRedriven1764500000000 } from './1764500000000-metrics-dlq-redriven';
import { MetricsSeriesHash1764600000000 } from './1764600000000-metrics-series-hash';
import { MetricsReplayMarks1765519000000 } from './1765519000000-metrics-replay-marks';
import { MetricsReplayMarksPruning1766200000000 } from './1766200000000-metrics-replay-marks-pruning';
import { MetricsDlqRedrivenActor1766300100000 } from './1766300100000-metrics-dlq-redriven-actor';

/** metrics-svc's schema, in order: the service, its tests and the benchmarks migrate with this one list. */
export const METRICS_MIGRATIONS = [
  MetricsInit1764100000000,
  MetricsIdentities1764200000000,
  Metrics10mTier1764300000000,
  MetricsLateWrites1764400000000,
  MetricsDlqRedriven1764500000000,
  MetricsSeriesHash1764600000000,
  MetricsReplayMarks1765519000000,
  MetricsReplayMarksPruning1766200000000,
  MetricsDlqRedrivenActor1766300100000,
];
