import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, roleAtLeast } from '@vigil/contracts';
import { Observability } from '@vigil/platform';
import type { Request } from 'express';
import { markAudited } from '../audit/audit-route';
import { RateLimiter } from '../http/rate-limiter';
import { CHANGING_METHODS, READ_ONLY_METADATA } from '../audit/read-only';
import { ACCESS_METADATA, type AccessLevel } from './access';
import { Authenticator } from './authenticator';
import { setPrincipal } from './principal';
import { describeScope, SCOPED_METADATA, scopeOf } from './scope';

/**
 * The global guard: it marks the calls that change something for the audit trail; a route without a declared access level is refused to everyone (and
 * logged); a public one lets anyone in; any other needs an authenticated caller with at least
 * the declared role (401 without one, 403 with too low a role), within its rate limit (429).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly obs: Observability,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const req = context.switchToHttp().getRequest<Request>();
    const handler = context.getHandler();
    if (CHANGING_METHODS.has(req.method) && !this.reflector.get<boolean>(READ_ONLY_METADATA, handler)) {
      const route = (req.route as { path?: string } | undefined)?.path ?? req.path;
      const successStatus =
        (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
        (req.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
      markAudited(req, { action: `${req.method} ${req.baseUrl}${route}`, successStatus });
    }
    if (access === undefined) {
      this.obs.logger.error({ method: req.method, path: req.path }, 'route declares no access level: refused');
      throw new ForbiddenError('this route declares no access level');
    }
    if (access === 'public') return true;
    const principal = await this.authenticator.authenticate(req);
    setPrincipal(req, principal);
    await this.rateLimiter.admitPrincipal(principal);
    if (!roleAtLeast(principal.role, access)) throw new ForbiddenError(`this needs the role ${access}`);
    const scope = scopeOf(principal);
    if (
      scope &&
      !this.reflector.get<boolean>(SCOPED_METADATA, handler) &&
      !this.reflector.get<boolean>(SCOPED_METADATA, context.getClass())
    )
      throw new ForbiddenError(`this API key is limited to ${describeScope(scope)}, which this route cannot apply`);
    return true;
  }
}
