import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { Credentials } from './credentials';
import { FirstAdmin } from './first-admin';
import { UserCommands } from './user.commands';
import { AccountController, UsersController } from './users.controller';
import { UsersReadModel } from './users.read-model';

/** Users: their commands, read model, password hashes, the first admin, and their REST API. */
@Module({
  imports: [SessionsModule],
  controllers: [UsersController, AccountController],
  providers: [UsersReadModel, Credentials, UserCommands, FirstAdmin],
  exports: [UsersReadModel, Credentials, UserCommands],
})
export class UsersModule {}
