import { Module } from '@nestjs/common';
import { PlatformStatusController } from './platform-status.controller';
import { PlatformStatusService } from './platform-status.service';

/** `GET /api/v1/platform/status`: the services' replicas, bus lag, DLQ depths. */
@Module({ controllers: [PlatformStatusController], providers: [PlatformStatusService] })
export class PlatformStatusModule {}
