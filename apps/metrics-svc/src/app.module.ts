import { Module } from '@nestjs/common';
import { PlatformModule } from '@vigil/platform';
import { MetricsEnv } from './config';
import { IngestRuntime } from './ingest.runtime';
import { MetricsInit1764100000000 } from './migrations/1764100000000-metrics-init';
import { MetricsIdentities1764200000000 } from './migrations/1764200000000-metrics-identities';
import { MetricsQueryApi } from './query/metrics.api';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'metrics-svc',
      portVariable: 'VIGIL_METRICS_PORT',
      defaultPort: 8082,
      env: MetricsEnv,
      database: { schema: 'metrics', migrations: [MetricsInit1764100000000, MetricsIdentities1764200000000],
        // Sixteen partition flushes and the queries' parallel chunks share it.
        poolMax: 24,
      },
    }),
  ],
  providers: [IngestRuntime, MetricsQueryApi],
})
export class AppModule {}
