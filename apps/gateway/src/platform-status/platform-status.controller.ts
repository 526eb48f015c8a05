import { Controller, Get } from '@nestjs/common';
import type { PlatformStatus } from '@vigil/contracts';
import { Access } from '../auth/access';
import { ApiSchemas } from '../http/api-schemas';
import { PlatformStatusService } from './platform-status.service';

/**
 * The platform's own status (admins). Admin, not viewer: it names every replica (host and
 * process), its dependencies' errors, the stream readers and the dead-letter queues, which are
 * the platform's internals rather than the fleet a viewer watches, and what one does about them
 * (redrive, restart) is an admin's. Load balancers keep the public `/health/ready` of each process.
 */
@Controller('api/v1/platform')
@Access('admin')
export class PlatformStatusController {
  constructor(private readonly platform: PlatformStatusService) {}

  @Get('status')
  @ApiSchemas({ summary: "The platform's services, bus lag and dead-letter queues" })
  status(): Promise<PlatformStatus> {
    return this.platform.status();
  }
}
