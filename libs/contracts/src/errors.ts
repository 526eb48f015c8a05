/**
 * The one error vocabulary. Domain code throws these; only the gateway turns them
 * into HTTP (application/problem+json), and request/reply carries them by `type`.
 */
export type ErrorType =
  | 'validation'
  | 'not_found'
  | 'illegal_state'
  | 'concurrency'
  | 'limit_exceeded'
  | 'unavailable'
  | 'internal'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited';

export class VigilError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends VigilError {
  constructor(message: string, details?: unknown) {
    super('validation', message, details);
  }
}
export class NotFoundError extends VigilError {
  constructor(message: string) {
    super('not_found', message);
  }
}
export class IllegalStateError extends VigilError {
  constructor(message: string) {
    super('illegal_state', message);
  }
}
export class ConcurrencyError extends VigilError {
  constructor(message: string) {
    super('concurrency', message);
  }
}
/** A request that is valid but asks for more than the service allows (series, points, rows). */
export class LimitExceededError extends VigilError {
  constructor(message: string, details?: unknown) {
    super('limit_exceeded', message, details);
  }
}
export class UnavailableError extends VigilError {
  constructor(message: string, details?: unknown) {
    super('unavailable', message, details);
  }
}

/**
 * A service that is up but already runs as many queries as it allows: `retryAfterSeconds`
 * says when to ask again (the gateway answers 503 with `Retry-After`).
 */
export class BusyError extends UnavailableError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, { retryAfterSeconds });
  }
}

/** What every reply that would not fit (a NATS message, the gateway's response limit) answers instead. */
export const RESULT_TOO_LARGE = 'result too large — narrow the query or raise the step';

/** A reply of `bytes` (estimated or measured) where at most `maxBytes` may go: refused before it is sent. */
export function resultTooLarge(
  bytes: number,
  maxBytes: number,
  details: Record<string, unknown> = {},
): LimitExceededError {
  return new LimitExceededError(`${RESULT_TOO_LARGE} (about ${bytes} bytes, at most ${maxBytes})`, {
    ...details,
    replyBytes: bytes,
    maxReplyBytes: maxBytes,
  });
}

/** The caller did not prove who it is (no credentials, or credentials not accepted). */
export class UnauthenticatedError extends VigilError {
  constructor(message = 'authentication required') {
    super('unauthenticated', message);
  }
}
/** The caller is known and may not do this. */
export class ForbiddenError extends VigilError {
  constructor(message: string) {
    super('forbidden', message);
  }
}
/** Too many attempts; `retryAfterSeconds` says when to try again. */
export class RateLimitedError extends VigilError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message, { retryAfterSeconds });
  }
}

export function errorFromWire(e: { type: ErrorType; message: string; details?: unknown }): VigilError {
  switch (e.type) {
    case 'validation':
      return new ValidationError(e.message, e.details);
    case 'not_found':
      return new NotFoundError(e.message);
    case 'illegal_state':
      return new IllegalStateError(e.message);
    case 'concurrency':
      return new ConcurrencyError(e.message);
    case 'limit_exceeded':
      return new LimitExceededError(e.message, e.details);
    case 'unavailable': {
      const retryAfter = (e.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      return typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter > 0
        ? new BusyError(e.message, Math.min(Math.ceil(retryAfter), 3600))
        : new UnavailableError(e.message, e.details);
    }
    case 'internal':
      return new VigilError('internal', e.message);
    case 'unauthenticated':
      return new UnauthenticatedError(e.message);
    case 'forbidden':
      return new ForbiddenError(e.message);
    case 'rate_limited':
      return new RateLimitedError(
        e.message,
        Number((e.details as { retryAfterSeconds?: number })?.retryAfterSeconds ?? 60),
      );
    default: {
      const never: never = e.type;
      return new VigilError('internal', `unknown error type ${String(never)}`);
    }
  }
}
