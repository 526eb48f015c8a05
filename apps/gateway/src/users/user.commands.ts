import { Injectable } from '@nestjs/common';
import { type Role, type UserEvent, userEvents, type UserView } from '@vigil/contracts';
import { CommandHandler, commandMeta, EventStore } from '@vigil/event-store';
import { Bus } from '@vigil/platform';
import { type UserCommand, userDecider, type UserState } from '../domain/user/user.decider';
import { SessionStore } from '../sessions/session.store';
import { Credentials } from './credentials';
import { UsersReadModel } from './users.read-model';

/**
 * Changes to users, through the event store. The password hash is written after the event that
 * records the change (a crash in between leaves a user without a working password, whom an admin
 * resets; never a password set for a user the decider refused). A change of role or a disable
 * ends the user's sessions, so it takes effect at once.
 */
@Injectable()
export class UserCommands {
  private readonly handler: CommandHandler<UserEvent, UserState, UserCommand>;

  constructor(
    bus: Bus,
    private readonly readModel: UsersReadModel,
    private readonly credentials: Credentials,
    private readonly sessions: SessionStore,
  ) {
    this.handler = new CommandHandler(new EventStore(bus.js, bus.jsm, bus.topology, 'user', userEvents), userDecider);
  }

  async create(username: string, role: Role, password: string, actor: string): Promise<UserView> {
    await this.run({ type: 'CreateUser', username, role }, actor);
    await this.credentials.set(username, password);
    return this.view(username);
  }

  /** A user who signs in only through the OpenID Provider `issuer` as `subject`: no password. */
  async createSso(username: string, role: Role, issuer: string, subject: string, actor: string): Promise<UserView> {
    await this.run({ type: 'CreateSsoUser', username, role, issuer, subject }, actor);
    return this.view(username);
  }

  async changeRole(username: string, role: Role, actor: string): Promise<UserView> {
    if (await this.run({ type: 'ChangeRole', username, role }, actor)) await this.sessions.revokeUser(username);
    return this.view(username);
  }

  async disable(username: string, actor: string): Promise<UserView> {
    await this.run({ type: 'DisableUser', username }, actor);
    await this.sessions.revokeUser(username);
    return this.view(username);
  }

  /** An admin sets the password: every session of the user ends. */
  async resetPassword(username: string, password: string, actor: string): Promise<UserView> {
    await this.run({ type: 'ChangePassword', username, reset: true }, actor);
    await this.credentials.set(username, password);
    await this.sessions.revokeUser(username);
    return this.view(username);
  }

  /** The user changes their own (the current one already checked): their other sessions end. */
  async changeOwnPassword(username: string, password: string, currentSession: string | undefined): Promise<void> {
    await this.run({ type: 'ChangePassword', username, reset: false }, `user:${username}`);
    await this.credentials.set(username, password);
    await this.sessions.revokeUser(username, currentSession);
  }

  /** Runs one command; whether it changed anything. */
  private async run(command: UserCommand, actor: string): Promise<boolean> {
    const events = await this.handler.handle(command.username, command, commandMeta(actor));
    const last = events.at(-1);
    if (last) await this.readModel.waitFor(last.seq);
    return events.length > 0;
  }

  private async view(username: string): Promise<UserView> {
    const user = await this.readModel.get(username);
    if (!user) throw new Error(`user ${username} is not in the read model after its command`);
    return user;
  }
}
