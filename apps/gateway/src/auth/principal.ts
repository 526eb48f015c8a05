import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Labels, Role } from '@vigil/contracts';
import type { Request } from 'express';

/** Who a request acts as: a user (with their session) or an API key. */
export type Principal =
  | { kind: 'user'; id: string; role: Role; sessionId: string }
  /** `scope`: the node labels a scoped key is limited to. */
  | { kind: 'key'; id: string; role: Role; owner: string; scope?: Labels };

const PRINCIPAL = Symbol('vigil.principal');

type WithPrincipal = Request & { [PRINCIPAL]?: Principal };

export function setPrincipal(req: Request, principal: Principal): void {
  (req as WithPrincipal)[PRINCIPAL] = principal;
}

export function principalOf(req: Request): Principal | undefined {
  return (req as WithPrincipal)[PRINCIPAL];
}

/** The actor the services' commands record: `user:<name>` or `key:<id>`. */
export function actorOf(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}

function required(ctx: ExecutionContext): Principal {
  const principal = principalOf(ctx.switchToHttp().getRequest<Request>());
  // The guard sets it on every route that is not public; a public route asking for it is a bug.
  if (!principal) throw new Error('no authenticated principal on this request');
  return principal;
}

/** The authenticated caller. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext) => required(ctx));

/** The authenticated caller as the actor of a command (`user:<name>`, `key:<id>`). */
export const Actor = createParamDecorator((_: unknown, ctx: ExecutionContext) => actorOf(required(ctx)));
