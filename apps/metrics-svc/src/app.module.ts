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
        // Sixteen partition flushes and the queries' parallel chunks share it.
        poolMax: 24,
      },
    }),
  ],
  providers: [SecurityViolations, IngestRuntime, MetricsQueryApi],
})
export class AppModule {}
