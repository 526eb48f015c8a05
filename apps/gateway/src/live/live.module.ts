import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { HttpPolicyModule } from '../http/http.module';
import { ServiceClient } from '../http/service-client';
import { KeysModule } from '../keys/keys.module';
import { SessionsModule } from '../sessions/sessions.module';
import { LiveHub } from './live-hub';
import { LiveUpgrade } from './live-upgrade';
import { LiveMetrics } from './live.metrics';
import { NodeScope } from './node-scope';

/** The live API, `GET /ws`: WebSocket upgrades on the gateway's HTTP server, its sockets and their shared NATS feeds. */
@Module({
  imports: [AuthModule, HttpPolicyModule, SessionsModule, KeysModule],
  providers: [ServiceClient, LiveMetrics, NodeScope, LiveHub, LiveUpgrade],
})
export class LiveModule {}
