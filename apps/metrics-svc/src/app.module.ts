import { Module } from '@nestjs/common';
import { PlatformModule } from '@vigil/platform';

/** Connected, migrated, observable; its capability arrives with its own issue. */
@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'metrics-svc',
      portVariable: 'VIGIL_METRICS_PORT',
      defaultPort: 8082,
      database: { schema: 'metrics', migrations: [] },
    }),
  ],
})
export class AppModule {}
