import { Module } from '@nestjs/common';
import { SessionsModule } from '../../sessions/sessions.module';
import { UsersModule } from '../../users/users.module';
import { LoginLimiter } from '../login-limiter';
import { OidcController } from './oidc.controller';
import { OidcFlows } from './oidc.flows';
import { OidcRelyingParty } from './oidc.relying-party';
import { SsoLogin } from './sso-login';

/** OpenID Connect single sign-on (when VIGIL_OIDC_ISSUER is set): the relying party, its flows, its routes. */
@Module({
  imports: [SessionsModule, UsersModule],
  controllers: [OidcController],
  providers: [OidcRelyingParty, OidcFlows, SsoLogin, LoginLimiter],
})
export class OidcModule {}
