import { Module } from '@nestjs/common';
import { PlatformModule } from '@vigil/platform';

/** Connected, migrated, observable; its capability arrives with its own issue. */
@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'backup-svc',
      portVariable: 'VIGIL_BACKUP_PORT',
      defaultPort: 8084,
      database: { schema: 'backup', migrations: [] },
    }),
  ],
})
export class AppModule {}
