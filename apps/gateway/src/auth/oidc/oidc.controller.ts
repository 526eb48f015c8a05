import { Controller, Get, Ip, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditLog } from '../../audit/audit-log';
import { markAudited, setAuditActor } from '../../audit/audit-route';
import { Public } from '../access';
import { cookie, setSessionCookies } from '../cookies';
import { LoginLimiter } from '../login-limiter';
import { FLOW_TTL_S } from './oidc.flows';
import { OidcRelyingParty } from './oidc.relying-party';
import { SsoLogin } from './sso-login';

/** Binds a flow to the browser that started it; Lax, so the provider's redirect back brings it. */
const STATE_COOKIE = 'vigil_oidc_state';
const COOKIE_PATH = '/api/v1/auth/oidc';
const CALLBACK = 'GET /api/v1/auth/oidc/callback';

/**
 * Single sign-on for browsers: `login` sends them to the provider, `callback` brings them back
 * signed in (the session cookies, as a password login sets them) and sends them to `/`. A refused
 * callback answers problem+json. Both callbacks, accepted or refused, are audited like logins.
 */
@Controller('api/v1/auth/oidc')
export class OidcController {
  constructor(
    private readonly sso: SsoLogin,
    private readonly limiter: LoginLimiter,
    private readonly audit: AuditLog,
    private readonly rp: OidcRelyingParty,
  ) {}

  /**
   * Whether single sign-on is configured, and whether the provider has answered discovery: the
   * console shows its SSO button from this. Names no issuer, client or setting.
   */
  @Get('status')
  @Public()
  status(): { enabled: boolean; available: boolean } {
    return { enabled: this.rp.settings !== undefined, available: this.rp.available };
  }

  @Get('login')
  @Public()
  async login(@Ip() ip: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.limiter.admitAddress(ip);
    const { redirect, state } = await this.sso.start();
    res.cookie(STATE_COOKIE, state, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: COOKIE_PATH,
      maxAge: FLOW_TTL_S * 1000,
    });
    res.redirect(302, redirect.href);
  }

  @Get('callback')
  @Public()
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    // Audited although a GET: it signs someone in. A refusal is recorded by the error filter.
    markAudited(req, { action: CALLBACK, successStatus: 302 });
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const browserState = cookie(req, STATE_COOKIE);
    res.clearCookie(STATE_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: COOKIE_PATH });
    const tokens = await this.sso.finish(query, browserState);
    setAuditActor(req, `user:${tokens.user.username}`);
    setSessionCookies(req, res, tokens);
    await this.audit.recordRequest(req, res, 302);
    res.redirect(302, '/');
  }
}
