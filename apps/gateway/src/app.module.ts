import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { PlatformModule } from '@vigil/platform';
import { AlertsController } from './alerts/alerts.controller';
import { RulesController } from './alerts/rules.controller';
import { GatewayEnv } from './config';
import { ProblemFilter } from './http/problem.filter';
import { ServiceClient } from './http/service-client';
import { MetricsController } from './metrics/metrics.controller';
import { PrometheusController } from './metrics/prometheus.controller';
import { NodesController } from './nodes/nodes.controller';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'gateway',
      portVariable: 'VIGIL_GATEWAY_PORT',
      defaultPort: 8080,
      env: GatewayEnv,
      // Users, API keys, sessions and audit will live here; the schema exists from day one.
      database: { schema: 'gateway', migrations: [] },
    }),
  ],
  controllers: [NodesController, MetricsController, PrometheusController, RulesController, AlertsController],
  providers: [ServiceClient, { provide: APP_FILTER, useClass: ProblemFilter }],
})
export class AppModule {}
