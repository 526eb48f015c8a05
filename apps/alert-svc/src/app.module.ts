import { Module } from '@nestjs/common';
import { PlatformModule } from '@vigil/platform';

/** Connected, migrated, observable; its capability arrives with its own issue. */
@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'alert-svc',
      portVariable: 'VIGIL_ALERT_PORT',
      defaultPort: 8083,
      database: { schema: 'alerting', migrations: [] },
    }),
  ],
})
export class AppModule {}
