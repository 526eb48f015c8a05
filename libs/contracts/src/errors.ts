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
  constructor(message: string) {
    super('unavailable', message);
  }
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
    case 'unavailable':
      return new UnavailableError(e.message);
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
