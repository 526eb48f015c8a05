import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { CHANGING_METHODS } from '../audit/read-only';

export const CONSUMES_METADATA = 'vigil:consumes';
export const JSON_ONLY = ['application/json'] as const;
export const FORM = 'application/x-www-form-urlencoded';

/** The media types a route takes a body in, instead of JSON only (the Prometheus read API's form POSTs). */
export const Consumes = (...types: string[]) => SetMetadata(CONSUMES_METADATA, types);

/** The media types a handler takes a body in. */
export function consumedBy(reflector: Reflector, handler: object): readonly string[] {
  return reflector.get<string[] | undefined>(CONSUMES_METADATA, handler as never) ?? JSON_ONLY;
}

const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * A POST, PUT, PATCH or DELETE with a body must send it as `application/json` (charset aside),
 * unless its route declares other types with `@Consumes`: 415 otherwise. A form posted to a JSON
 * route is refused, not read, so a browser's cross-site form can never change anything.
 */
@Injectable()
export class MediaTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (!CHANGING_METHODS.has(req.method) || !hasBody(req)) return true;
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const accepted = consumedBy(this.reflector, context.getHandler());
    if (!accepted.includes(type))
      throw new UnsupportedMediaTypeException(`this route takes a body as ${accepted.join(' or ')}`);
    return true;
  }
}
