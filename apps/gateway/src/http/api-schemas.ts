import { SetMetadata } from '@nestjs/common';
import { z } from '@vigil/contracts';

export const API_SCHEMAS_METADATA = 'vigil:api-schemas';

/**
 * The contract schemas a route's request is validated with (by the handler, or by the service
 * it forwards to), named here so the OpenAPI document is generated from them: `body` the JSON
 * body, `query` the query string (an object schema, one parameter per key).
 */
export interface ApiSchemas {
  body?: z.ZodType;
  query?: z.ZodObject;
  summary?: string;
}

export const ApiSchemas = (schemas: ApiSchemas) => SetMetadata(API_SCHEMAS_METADATA, schemas);

/**
 * A service request's schema less the fields the gateway fills in itself (`actor`, ids from the
 * path): what a client sends. Refinements across fields are not carried (JSON Schema could not
 * say them either); the service still applies them.
 */
export function sentByClient(schema: z.ZodObject, ...filled: string[]): z.ZodObject {
  const shape: Record<string, z.ZodType> = { ...(schema.shape as Record<string, z.ZodType>) };
  for (const field of filled) delete shape[field];
  return z.object(shape);
}
