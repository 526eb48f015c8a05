import { z } from '@vigil/contracts';
import type { ServedRoute } from '../http/served-routes';

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

/** Every served route's credentials: a bearer token (an API key `vgl_…` or an access token) or the session cookie. */
export const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`vgl_…`) or a session access token from POST /api/v1/auth/login',
  },
  session: { type: 'apiKey', in: 'cookie', name: 'vigil_access', description: 'The session cookie set at login' },
} as const;

/** A zod schema as the JSON Schema (2020-12, OpenAPI 3.1's dialect) of what a client sends. */
export function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const problem = {
  description: 'An error (RFC 9457)',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    trace_id: { type: 'string' },
    errors: {},
  },
};

/** `/api/v1/nodes/:id` → `/api/v1/nodes/{id}` and its path parameters. */
function pathOf(route: ServedRoute): { path: string; params: string[] } {
  const params: string[] = [];
  const path = route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

function operation(route: ServedRoute, params: string[]): Operation {
  const { schemas, access } = route;
  const parameters: unknown[] = params.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (schemas?.query)
    for (const [name, field] of Object.entries(schemas.query.shape as Record<string, z.ZodType>))
      parameters.push({ name, in: 'query', required: !field.safeParse(undefined).success, schema: jsonSchema(field) });
  const changing = route.method !== 'GET' && route.method !== 'HEAD';
  const op: Operation = {
    operationId: route.operationId,
    tags: [tagOf(route.path)],
    ...(schemas?.summary ? { summary: schemas.summary } : {}),
    ...(parameters.length ? { parameters } : {}),
    security: access === 'public' || access === undefined ? [] : [{ bearer: [access] }, { session: [access] }],
    ...(access && access !== 'public' ? { 'x-vigil-role': access } : {}),
    responses: {
      default: problem,
      '2XX': { description: 'Success', content: { 'application/json': { schema: {} } } },
    },
  };
  if (changing && schemas?.body) {
    const schema = jsonSchema(schemas.body);
    op.requestBody = {
      required: !schemas.body.safeParse(undefined).success,
      content: Object.fromEntries(route.consumes.map((type) => [type, { schema }])),
    };
  }
  return op;
}

const tagOf = (path: string) => /^\/api\/v1\/([^/]+)/.exec(path)?.[1] ?? (path.startsWith('/api') ? 'api' : 'platform');

/**
 * The OpenAPI 3.1 document of the routes the gateway serves, as read from its router: each
 * route's security from the role it declares (none for public routes), its body and query from
 * the contract schemas it declares with `@ApiSchemas` (zod's own JSON Schema output).
 */
export function openApiDocument(routes: ServedRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const route of routes) {
    const { path, params } = pathOf(route);
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route, params);
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Vigil API',
      version,
      description:
        'The Vigil gateway: nodes, metrics (REST and Prometheus-compatible), alerts, users, API keys, audit.',
    },
    paths,
    components: { securitySchemes: SECURITY_SCHEMES, schemas: { Problem: PROBLEM_SCHEMA } },
  };
}
