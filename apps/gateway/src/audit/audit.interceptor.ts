import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';
import { AuditLog } from './audit-log';
import { auditedRoute } from './audit-route';

/** Records each audited call that succeeded, before its answer leaves (failures: ProblemFilter). */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly audit: AuditLog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const route = auditedRoute(req);
    if (!route) return next.handle();
    return next
      .handle()
      .pipe(
        mergeMap((result) =>
          from(this.audit.recordRequest(req, http.getResponse<Response>(), route.successStatus).then(() => result)),
        ),
      );
  }
}
