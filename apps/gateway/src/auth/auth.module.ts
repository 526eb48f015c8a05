import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { HttpPolicyModule } from '../http/http.module';
import { KeysModule } from '../keys/keys.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AccessGuard } from './access.guard';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { Authenticator } from './authenticator';
import { LoginLimiter } from './login-limiter';
import { OidcModule } from './oidc/oidc.module';
import { PlatformRoutesArePublic } from './platform-routes';

/** Who a request is from and what it may do: login (password, single sign-on), sessions, the global access guard. */
@Module({
  imports: [SessionsModule, UsersModule, KeysModule, DiscoveryModule, OidcModule, HttpPolicyModule],
  controllers: [AuthController],
  providers: [
    Authenticator,
    LoginLimiter,
    AuthService,
    PlatformRoutesArePublic,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [Authenticator],
})
export class AuthModule {}
