import { Module } from '@nestjs/common';
import { AuthKeys } from './auth-keys';
import { SessionStore } from './session.store';

/** Sessions: the signing key, the sessions in Redis and their refresh tokens. */
@Module({
  providers: [AuthKeys, SessionStore],
  exports: [SessionStore],
})
export class SessionsModule {}
