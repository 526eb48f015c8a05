import { Body, Controller, Get, HttpCode, Ip, Post, Req, Res } from '@nestjs/common';
import {
  type Labels,
  LoginRequest,
  RefreshRequest,
  type SessionTokens,
  UnauthenticatedError,
  validate,
} from '@vigil/contracts';
import type { Request, Response } from 'express';
import { setAuditActor } from '../audit/audit-route';
import { SessionStore } from '../sessions/session.store';
import { Access, Public } from './access';
import { AuthService } from './auth.service';
import { clearSessionCookies, cookie, REFRESH_COOKIE, setSessionCookies } from './cookies';
import { CurrentPrincipal, type Principal } from './principal';
import { Scoped, scopeOf } from './scope';
import { ApiSchemas } from '../http/api-schemas';

/**
 * Login, refresh and logout. Tokens are answered in the body (scripts, the CLI) and set as
 * httpOnly cookies (browsers).
 */
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionStore,
  ) {}

  @Post('login')
  @ApiSchemas({ body: LoginRequest, summary: 'Log in: session tokens in the body and as cookies' })
  @Public()
  @HttpCode(200)
  async login(
    @Body() body: unknown,
    @Ip() ip: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SessionTokens> {
    const { username, password } = validate(LoginRequest, body ?? {}, 'login');
    const tokens = await this.auth.login(username, password, ip);
    setAuditActor(req, `user:${tokens.user.username}`);
    setSessionCookies(req, res, tokens);
    return tokens;
  }

  /** `{ refreshToken }`, or the refresh cookie: new tokens, the old refresh token spent. */
  @Post('refresh')
  @ApiSchemas({ body: RefreshRequest, summary: 'New tokens for a refresh token (body or cookie)' })
  @Public()
  @HttpCode(200)
  async refresh(
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SessionTokens> {
    const token = validate(RefreshRequest, body ?? {}, 'refresh').refreshToken ?? cookie(req, REFRESH_COOKIE);
    if (!token) throw new UnauthenticatedError('no refresh token');
    const tokens = await this.sessions.refresh(token);
    setAuditActor(req, `user:${tokens.user.username}`);
    setSessionCookies(req, res, tokens);
    return tokens;
  }

  /** Ends this session (its refresh tokens too). */
  @Post('logout')
  @Access('viewer')
  @HttpCode(204)
  async logout(
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    if (principal.kind === 'user') await this.sessions.close(principal.sessionId);
    clearSessionCookies(req, res);
  }

  /** Who the caller is. */
  @Get('me')
  @Access('viewer')
  @Scoped()
  me(@CurrentPrincipal() principal: Principal): { kind: string; id: string; role: string; scope?: Labels } {
    const scope = scopeOf(principal);
    return { kind: principal.kind, id: principal.id, role: principal.role, ...(scope ? { scope } : {}) };
  }
}
