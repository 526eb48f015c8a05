import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { BusyError, RateLimitedError, VigilError } from '@vigil/contracts';
import { Observability } from '@vigil/platform';
import type { Request, Response } from 'express';
import { undecodablePathParameter } from '../http/problem.filter';
import { PROM_ERRORS, type PromError } from './prometheus.format';

/**
 * Errors of the Prometheus-compatible endpoints in Prometheus' own shape
 * (`{"status":"error","errorType":"bad_data","error":"…"}`), which Grafana shows to the user,
 * instead of the problem+json the rest of the API answers.
 */
@Catch()
export class PrometheusErrorFilter implements ExceptionFilter {
  constructor(private readonly obs: Observability) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    let status = 500;
    let body: PromError = { status: 'error', errorType: 'internal', error: 'internal error' };
    if (error instanceof VigilError) {
      const mapped = PROM_ERRORS[error.type];
      status = mapped.status;
      body = { status: 'error', errorType: mapped.errorType, error: error.message };
    } else if (error instanceof HttpException) {
      status = error.getStatus();
      body = {
        status: 'error',
        errorType: status === 404 ? 'not_found' : status < 500 ? 'bad_data' : 'internal',
        error: undecodablePathParameter(error.message) ?? error.message,
      };
    }
    if (error instanceof RateLimitedError || error instanceof BusyError) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
    }
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="vigil"');
    if (status >= 500 && !(error instanceof BusyError)) {
      this.obs.logger.error({ err: error, path: http.getRequest<Request>().path }, 'request failed');
    }
    res.status(status).type('application/json').json(body);
  }
}
