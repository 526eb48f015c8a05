import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import { HealthChecker, livenessReport } from '@vigil/telemetry';
import type { Response } from 'express';
import { Observability } from '../infra';

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthChecker) {}

  /** Every dependency with its state; 200 even when one is down (this is for humans and dashboards). */
  @Get()
  async health_(): Promise<unknown> {
    return this.health.report();
  }

  /** 503 while a critical dependency is down: take this replica out of rotation. */
  @Get('ready')
  async ready(@Res() res: Response): Promise<void> {
    const report = await this.health.report();
    res.status(report.status === 'error' ? 503 : 200).json(report);
  }

  /** The process runs and its event loop answers; dependencies do not matter here. */
  @Get('live')
  @HttpCode(200)
  live(): unknown {
    return livenessReport();
  }
}

@Controller('metrics')
export class MetricsController {
  constructor(private readonly obs: Observability) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async metrics(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.obs.registry.contentType);
    res.send(await this.obs.registry.metrics());
  }
}
