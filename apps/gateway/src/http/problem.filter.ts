import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { BusyError, type ErrorType, RateLimitedError, VigilError } from '@vigil/contracts';
import { currentTraceId } from '@vigil/telemetry';
import type { Request, Response } from 'express';
import { Observability } from '@vigil/platform';
import { AuditLog } from '../audit/audit-log';

const STATUS: Record<ErrorType, number> = {
  validation: 400,
  not_found: 404,
  illegal_state: 409,
  concurrency: 409,
  limit_exceeded: 422,
  unavailable: 503,
  internal: 500,
  unauthenticated: 401,
  forbidden: 403,
  rate_limited: 429,
};

/** The problem types of the HTTP-level refusals (before any of the vocabulary applies). */
const HTTP_TYPES: Record<number, string> = {
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * Express' refusal of a path that is not valid percent-encoded UTF-8 (`Failed to decode param
 * '%FF'`), said as a validation error of the path parameter; undefined for any other message.
 */
export function undecodablePathParameter(message: string): string | undefined {
  const m = /^Failed to decode param '(.*)'$/s.exec(message);
  return m ? `path parameter: '${m[1]}' is not valid percent-encoded UTF-8` : undefined;
}

/**
 * The one place where the error vocabulary becomes HTTP: RFC 9457
 * `application/problem+json`, with the trace id so a user's report finds the trace.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    private readonly obs: Observability,
    private readonly audit: AuditLog,
  ) {}

  /** Records an audited call's failure (before answering), then answers problem+json. */
  async catch(error: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    let status = 500;
    let type: string = 'internal';
    let detail = 'internal error';
    let errors: unknown;
    if (error instanceof VigilError) {
      status = STATUS[error.type];
      type = error.type;
      detail = error.message;
      errors = error.details;
    } else if (error instanceof HttpException) {
      status = error.getStatus();
      type = HTTP_TYPES[status] ?? 'http';
      detail = error.message;
      const undecodable = status === 400 ? undecodablePathParameter(detail) : undefined;
      if (undecodable) [type, detail] = ['validation', undecodable];
    }
    if (error instanceof RateLimitedError || error instanceof BusyError) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
    }
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="vigil"');
    // A busy service is counted where it refused (vigil_rpc_replies_refused_total), not logged per request.
    if (status >= 500 && !(error instanceof BusyError))
      this.obs.logger.error({ err: error, path: req.path }, 'request failed');
    await this.audit.recordRequest(req, res, status);
    res
      .status(status)
      .type('application/problem+json')
      .json({
        type: `https://vigil.dev/problems/${type.replace(/_/g, '-')}`,
        title: type.replace(/_/g, ' '),
        status,
        detail,
        // The path only: a query can carry what must not be echoed (an OAuth code and state).
        instance: req.originalUrl.split('?')[0],
        trace_id: currentTraceId(),
        ...(errors ? { errors } : {}),
      });
  }
}
