import { Injectable } from '@nestjs/common';
import { type SessionTokens, UnauthenticatedError } from '@vigil/contracts';
import { SessionStore } from '../sessions/session.store';
import { Credentials } from '../users/credentials';
import { UsersReadModel } from '../users/users.read-model';
import { LoginLimiter } from './login-limiter';

/** The one answer to a failed login: it never says whether the user or the password was wrong. */
export const LOGIN_REFUSED = 'invalid username or password';

/** Password login: rate limits, the check, a new session. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersReadModel,
    private readonly credentials: Credentials,
    private readonly limiter: LoginLimiter,
    private readonly sessions: SessionStore,
  ) {}

  async login(username: string, password: string, ip: string): Promise<SessionTokens> {
    await this.limiter.admit(ip, username);
    const [user, passwordOk] = await Promise.all([
      this.users.get(username),
      this.credentials.check(username, password),
    ]);
    if (!user || user.disabled || !passwordOk) {
      await this.limiter.failed(username);
      throw new UnauthenticatedError(LOGIN_REFUSED);
    }
    await this.limiter.succeeded(username);
    return this.sessions.open({ username: user.username, role: user.role });
  }
}
