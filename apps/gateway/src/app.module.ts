import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { PlatformModule } from '@vigil/platform';
import { AlertsController } from './alerts/alerts.controller';
import { BackupsController } from './backups/backups.controller';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { EnrollmentController } from './enrollment/enrollment.controller';
import { DlqController } from './dlq/dlq.controller';
import { RulesController } from './alerts/rules.controller';
import { GatewayEnv } from './config';
import { ProblemFilter } from './http/problem.filter';
import { ResponseLimitInterceptor } from './http/response-limit';
import { ServiceClient } from './http/service-client';
import { TrustProxy } from './http/trust-proxy';
import { MetricsController } from './metrics/metrics.controller';
import { PrometheusController } from './metrics/prometheus.controller';
import { GatewayUsers1765100000000 } from './migrations/1765100000000-gateway-users';
import { GatewayAudit1765200000000 } from './migrations/1765200000000-gateway-audit';
import { GatewayApiKeys1765300000000 } from './migrations/1765300000000-gateway-api-keys';
import { GatewaySsoUsers1765400000000 } from './migrations/1765400000000-gateway-sso-users';
import { GatewayDlqRedriven1766300000000 } from './migrations/1766300000000-gateway-dlq-redriven';
import { KeysModule } from './keys/keys.module';
import { LiveModule } from './live/live.module';
import { NodesController } from './nodes/nodes.controller';
import { MaintenanceWindowsController } from './maintenance/maintenance-windows.controller';
import { OpenApiController } from './openapi/openapi.controller';
import { PlatformStatusModule } from './platform-status/platform-status.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'gateway',
      portVariable: 'VIGIL_GATEWAY_PORT',
      defaultPort: 8080,
      env: GatewayEnv,
      database: {
        schema: 'gateway',
        migrations: [
          GatewayUsers1765100000000,
          GatewayAudit1765200000000,
          GatewayApiKeys1765300000000,
          GatewaySsoUsers1765400000000,
          GatewayDlqRedriven1766300000000,
        ],
      },
    }),
    AuditModule,
    UsersModule,
    KeysModule,
    AuthModule,
    LiveModule,
    PlatformStatusModule,
    DiscoveryModule,
  ],
  controllers: [
    DlqController,
    NodesController,
    MaintenanceWindowsController,
    MetricsController,
    PrometheusController,
    RulesController,
    AlertsController,
    BackupsController,
    EnrollmentController,
    OpenApiController,
  ],
  providers: [
    ServiceClient,
    TrustProxy,
    { provide: APP_FILTER, useClass: ProblemFilter },
    { provide: APP_INTERCEPTOR, useClass: ResponseLimitInterceptor },
  ],
})
export class AppModule {}
