import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import { resultTooLarge } from '@vigil/contracts';
import { InjectConfig, type ServiceConfig } from '@vigil/platform';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';
import type { GatewayEnv } from '../config';

/**
 * The gateway's own bound on what it answers (VIGIL_HTTP_RESPONSE_LIMIT): a JSON body is
 * serialized here once; larger than the limit, the request is refused with the services' own
 * "result too large — narrow the query or raise the step" (422, or Prometheus' error shape on
 * its routes); within it, the serialized text is what is sent (no second serialization).
 * A service's reply fits one NATS message, but the gateway can build more from it (the
 * Prometheus matrix prints each point again) or from several (label values of several metrics).
 */
@Injectable()
export class ResponseLimitInterceptor implements NestInterceptor {
  constructor(@InjectConfig() private readonly config: ServiceConfig & GatewayEnv) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const res = context.switchToHttp().getResponse<Response>();
    const limit = this.config.VIGIL_HTTP_RESPONSE_LIMIT;
    return next.handle().pipe(
      map((body: unknown) => {
        if (body === null || typeof body !== 'object' || body instanceof StreamableFile || Buffer.isBuffer(body))
          return body;
        if (res.headersSent) return body;
        const json = JSON.stringify(body);
        // UTF-8 takes at most 3 bytes per UTF-16 unit: only a body that may be over is measured.
        const bytes = json.length * 3 <= limit ? json.length : Buffer.byteLength(json);
        if (bytes > limit) throw resultTooLarge(bytes, limit);
        // A handler that chose its media type keeps it.
        if (!res.getHeader('Content-Type')) res.type('application/json');
        return json;
      }),
    );
  }
}
