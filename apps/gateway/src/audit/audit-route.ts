import type { Request } from 'express';

/** What the guard learned about the route a request reached, for the audit trail. */
export interface AuditedRoute {
  /** `<METHOD> <route pattern>`. */
  action: string;
  /** The status a success answers with (201 for a POST unless the route says otherwise). */
  successStatus: number;
  /** The actor once known other than by the guard: a login names the user it logged in. */
  actor?: string;
}

const AUDIT = Symbol('vigil.audit');
type WithAudit = Request & { [AUDIT]?: AuditedRoute };

export function markAudited(req: Request, route: AuditedRoute): void {
  (req as WithAudit)[AUDIT] = route;
}

/** The route's audit entry when this request changes something; undefined otherwise. */
export function auditedRoute(req: Request): AuditedRoute | undefined {
  return (req as WithAudit)[AUDIT];
}

/** Names the actor of a request the guard let in anonymously (a successful login or refresh). */
export function setAuditActor(req: Request, actor: string): void {
  const route = auditedRoute(req);
  if (route) route.actor = actor;
}
