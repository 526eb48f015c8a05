import { Module } from '@nestjs/common';
import { PlatformModule, SecurityViolations } from '@vigil/platform';
import { MetricsEnv } from './config';
import { IngestRuntime } from './ingest/ingest.runtime';
import { METRICS_MIGRATIONS } from './migrations';
import { MetricsQueryApi } from './query/metrics.api';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'metrics-svc',
      portVariable: 'VIGIL_METRICS_PORT',
      defaultPort: 8082,
      env: MetricsEnv,
      database: {
        schema: 'metrics',
        migrations: METRICS_MIGRATIONS,
        // Sixteen partition flushes, the tier rollups and the projections; queries have their own
        // pool (VIGIL_QUERY_DB_POOL, with VIGIL_QUERY_STATEMENT_TIMEOUT_MS).
        poolMax: 24,
      },
    }),
  ],
  providers: [SecurityViolations, IngestRuntime, MetricsQueryApi],
})
export class AppModule {}
