import { Module } from '@nestjs/common';
import { nodeEvents } from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { Bus, PlatformModule, SecurityViolations } from '@vigil/platform';
import { RegistryApi } from './api/registry.api';
import { RegistryEnv } from './config';
import { NodeCommands } from './domain/node/node.commands';
import { IdentityService } from './identity/identity.service';
import { IdentityVerifier } from './identity/identity.verifier';
import { RegistryInit1763800000000 } from './migrations/1763800000000-registry-init';
import { NodeConfig1763900000000 } from './migrations/1763900000000-node-config';
import { Identity1764000000000 } from './migrations/1764000000000-identity';
import { SupervisedProcesses1764300000000 } from './migrations/1764300000000-supervised-processes';
import { MaintenanceService } from './maintenance/maintenance.service';
import { NodeMaintenance1764700000000 } from './migrations/1764700000000-node-maintenance';
import { BoundEnrollmentTokens1765100000000 } from './migrations/1765100000000-bound-enrollment-tokens';
import { NodesListOrder1765400000000 } from './migrations/1765400000000-nodes-list-order';
import { EnrollmentTokenAdmin1765530000000 } from './migrations/1765530000000-enrollment-token-admin';
import { ReplayMarks1765519100000 } from './migrations/1765519100000-replay-marks';
import { ReplayMarksPruning1766200000001 } from './migrations/1766200000001-replay-marks-pruning';
import { RegistryDlqRedriven1766300000000 } from './migrations/1766300000000-registry-dlq-redriven';
import { MaintenanceWindows1766400000000 } from './migrations/1766400000000-maintenance-windows';
import { MaintenanceWindowsService } from './maintenance/maintenance-windows.service';
import { MaintenanceWindowsReadModel } from './projections/maintenance-windows.read-model';
import { PresenceService } from './presence/presence.service';
import { IdentitiesReadModel } from './projections/identities.read-model';
import { NodesReadModel } from './projections/nodes.read-model';
import { RegistryMetrics } from './registry.metrics';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'registry-svc',
      portVariable: 'VIGIL_REGISTRY_PORT',
      defaultPort: 8081,
      env: RegistryEnv,
      database: {
        schema: 'registry',
        migrations: [
          RegistryInit1763800000000,
          NodeConfig1763900000000,
          Identity1764000000000,
          SupervisedProcesses1764300000000,
          NodeMaintenance1764700000000,
          BoundEnrollmentTokens1765100000000,
          NodesListOrder1765400000000,
          EnrollmentTokenAdmin1765530000000,
          ReplayMarks1765519100000,
          ReplayMarksPruning1766200000001,
          RegistryDlqRedriven1766300000000,
          MaintenanceWindows1766400000000,
        ],
      },
    }),
  ],
  providers: [
    {
      provide: NodeCommands,
      inject: [Bus],
      useFactory: (bus: Bus) => new NodeCommands(new EventStore(bus.js, bus.jsm, bus.topology, 'node', nodeEvents)),
    },
    SecurityViolations,
    NodesReadModel,
    IdentitiesReadModel,
    IdentityVerifier,
    IdentityService,
    RegistryMetrics,
    PresenceService,
    MaintenanceService,
    MaintenanceWindowsReadModel,
    MaintenanceWindowsService,
    RegistryApi,
  ],
})
export class AppModule {}
