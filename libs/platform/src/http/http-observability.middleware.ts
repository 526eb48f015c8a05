import { randomUUID } from 'node:crypto';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { Observability } from '../infra';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Counts and times every HTTP request by its route pattern (never the raw path,
 * which would explode label cardinality), gives it a request id, and logs it.
 */
@Injectable()
export class HttpObservabilityMiddleware implements NestMiddleware {
  constructor(private readonly obs: Observability) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const header = req.header('x-request-id');
    const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    const span = trace.getActiveSpan();
    span?.setAttribute('vigil.request_id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.obs.http.requests.inc(labels);
      this.obs.http.duration.observe(labels, seconds);
      if (route.startsWith('/health') || route === '/metrics') return;
      this.obs.logger.info(
        {
          request_id: requestId,
          method: req.method,
          route,
          status: res.statusCode,
          duration_ms: Math.round(seconds * 1000),
        },
        'http request',
      );
    });
    next();
  }
}
