import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ChangeOwnPasswordRequest,
  ChangeRoleRequest,
  CreateUserRequest,
  ForbiddenError,
  NotFoundError,
  ResetPasswordRequest,
  UnauthenticatedError,
  Username,
  type UserView,
  validate,
} from '@vigil/contracts';
import { Access } from '../auth/access';
import { Actor, actorOf, CurrentPrincipal, type Principal } from '../auth/principal';
import { SessionStore } from '../sessions/session.store';
import { Credentials } from './credentials';
import { UserCommands } from './user.commands';
import { UsersReadModel } from './users.read-model';
import { ApiSchemas } from '../http/api-schemas';

/** User management (admins). Answers never carry a password or its hash. */
@Controller('api/v1/users')
@Access('admin')
export class UsersController {
  constructor(
    private readonly commands: UserCommands,
    private readonly readModel: UsersReadModel,
    private readonly sessions: SessionStore,
  ) {}

  @Get()
  async list(): Promise<{ users: UserView[] }> {
    return { users: await this.readModel.list() };
  }

  /** `{ username, role, password }`. */
  @Post()
  @ApiSchemas({ body: CreateUserRequest, summary: 'Create a user' })
  create(@Body() body: unknown, @Actor() actor: string): Promise<UserView> {
    const { username, role, password } = validate(CreateUserRequest, body ?? {}, 'user');
    return this.commands.create(username, role, password, actor);
  }

  @Get(':username')
  async get(@Param('username') username: string): Promise<UserView> {
    const user = await this.readModel.get(validate(Username, username, 'username'));
    if (!user) throw new NotFoundError(`no user "${username}"`);
    return user;
  }

  /** `{ role }`; the user's sessions end (they log in again with the new role). */
  @Put(':username/role')
  @ApiSchemas({ body: ChangeRoleRequest, summary: "Change a user's role" })
  changeRole(
    @Param('username') username: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UserView> {
    const name = validate(Username, username, 'username');
    const { role } = validate(ChangeRoleRequest, body ?? {}, 'role');
    if (principal.kind === 'user' && principal.id === name && role !== 'admin')
      throw new ForbiddenError('an admin cannot lower their own role');
    return this.commands.changeRole(name, role, actorOf(principal));
  }

  /** Disables the user for good and ends their sessions. */
  @Post(':username/disable')
  @HttpCode(200)
  disable(@Param('username') username: string, @CurrentPrincipal() principal: Principal): Promise<UserView> {
    const name = validate(Username, username, 'username');
    if (principal.kind === 'user' && principal.id === name)
      throw new ForbiddenError('an admin cannot disable themselves');
    return this.commands.disable(name, actorOf(principal));
  }

  /** `{ password }`: sets it and ends the user's sessions. */
  @Put(':username/password')
  @ApiSchemas({ body: ResetPasswordRequest, summary: "Reset a user's password" })
  resetPassword(@Param('username') username: string, @Body() body: unknown, @Actor() actor: string): Promise<UserView> {
    const name = validate(Username, username, 'username');
    const { password } = validate(ResetPasswordRequest, body ?? {}, 'password');
    return this.commands.resetPassword(name, password, actor);
  }

  /** Ends every session of the user now. */
  @Post(':username/sessions/revoke')
  @HttpCode(200)
  async revokeSessions(@Param('username') username: string): Promise<{ revoked: number }> {
    const name = validate(Username, username, 'username');
    if (!(await this.readModel.get(name))) throw new NotFoundError(`no user "${username}"`);
    return { revoked: await this.sessions.revokeUser(name) };
  }
}

/** What any signed-in user does to their own account. */
@Controller('api/v1/account')
export class AccountController {
  constructor(
    private readonly commands: UserCommands,
    private readonly credentials: Credentials,
  ) {}

  /** `{ currentPassword, newPassword }`; the user's other sessions end. */
  @Put('password')
  @ApiSchemas({ body: ChangeOwnPasswordRequest, summary: 'Change your own password' })
  @Access('viewer')
  @HttpCode(204)
  async changePassword(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<void> {
    if (principal.kind !== 'user') throw new ForbiddenError('an API key has no password');
    const { currentPassword, newPassword } = validate(ChangeOwnPasswordRequest, body ?? {}, 'password change');
    if (!(await this.credentials.check(principal.id, currentPassword)))
      throw new UnauthenticatedError('the current password is wrong');
    await this.commands.changeOwnPassword(principal.id, newPassword, principal.sessionId);
  }
}
