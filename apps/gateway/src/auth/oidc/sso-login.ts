import { Injectable } from '@nestjs/common';
import { ForbiddenError, type SessionTokens, UnauthenticatedError, type UserView } from '@vigil/contracts';
import { Observability } from '@vigil/platform';
import { SessionStore } from '../../sessions/session.store';
import { UserCommands } from '../../users/user.commands';
import { UsersReadModel } from '../../users/users.read-model';
import { mapRole } from './oidc.config';
import { OidcFlows } from './oidc.flows';
import { OidcRelyingParty, type VerifiedIdentity } from './oidc.relying-party';
import { ssoUsername } from './sso-username';

/** What a refused callback answers: never a token, a code nor the provider's own description. */
const STATE_REFUSED = 'single sign-on: unknown, expired or already used state; start again';
const NOT_ACCEPTED = "single sign-on: the identity provider's answer was not accepted";

/**
 * Single sign-on, end to end: starts a flow, and on the callback checks it (state bound to the
 * browser that started it, then everything openid-client checks), maps the claims to a role,
 * finds the user by issuer + subject or creates them, and opens the same session as a password
 * login. The mapping decides the role at every login: a changed group changes the role.
 */
@Injectable()
export class SsoLogin {
  constructor(
    private readonly rp: OidcRelyingParty,
    private readonly flows: OidcFlows,
    private readonly users: UsersReadModel,
    private readonly commands: UserCommands,
    private readonly sessions: SessionStore,
    private readonly obs: Observability,
  ) {}

  /** Where to send the browser, and the state to bind to it (a cookie). */
  async start(): Promise<{ redirect: URL; state: string }> {
    this.rp.assertAvailable();
    const checks = await this.flows.start();
    return { redirect: await this.rp.authorizationUrl(checks), state: checks.state };
  }

  async finish(query: URLSearchParams, browserState: string | undefined): Promise<SessionTokens> {
    this.rp.assertAvailable();
    const error = query.get('error');
    if (error) throw new UnauthenticatedError(`single sign-on: the identity provider refused (${safeCode(error)})`);
    const state = query.get('state');
    if (!state || state !== browserState) throw new UnauthenticatedError(STATE_REFUSED);
    const checks = await this.flows.take(state);
    if (!checks) throw new UnauthenticatedError(STATE_REFUSED);
    const settings = this.rp.settings;
    if (!settings) throw new Error('single sign-on is available but has no settings');
    let identity: VerifiedIdentity;
    try {
      identity = await this.rp.verify(query, checks, [settings.roleClaim, 'preferred_username', 'email']);
    } catch (e) {
      // openid-client's errors name what failed (`code`, message) without the tokens.
      this.obs.logger.warn(
        { err: { name: (e as Error).name, code: (e as { code?: unknown }).code, message: (e as Error).message } },
        'oidc: callback not accepted',
      );
      throw new UnauthenticatedError(NOT_ACCEPTED);
    }
    const role = mapRole(identity.claims[settings.roleClaim], settings.roleMap);
    if (!role) throw new ForbiddenError('single sign-on: no Vigil role is mapped for this account');
    const user = await this.user(identity, role);
    if (user.disabled) throw new ForbiddenError('single sign-on: this account is disabled');
    return this.sessions.open({ username: user.username, role });
  }

  /** The user this identity signs in as, created on its first login, with the role the mapping gives now. */
  private async user(identity: VerifiedIdentity, role: UserView['role']): Promise<UserView> {
    const known = await this.users.findBySso(identity.issuer, identity.subject);
    if (!known) {
      const username = ssoUsername(identity.claims, identity.issuer, identity.subject);
      // Never sign someone in as an existing (password or other SSO) account that shares the name.
      if (await this.users.get(username))
        throw new ForbiddenError(`single sign-on: the user name "${username}" is taken by another account`);
      return this.commands.createSso(username, role, identity.issuer, identity.subject, `user:${username}`);
    }
    if (known.disabled || known.role === role) return known;
    return this.commands.changeRole(known.username, role, `user:${known.username}`);
  }
}

/** An OAuth error code as the provider sent it, reduced to its allowed characters and length. */
function safeCode(code: string): string {
  return code.replace(/[^a-z_]/gi, '').slice(0, 64) || 'error';
}
