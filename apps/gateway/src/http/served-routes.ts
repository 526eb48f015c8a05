import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost, MetadataScanner } from '@nestjs/core';
import { READ_ONLY_METADATA } from '../audit/read-only';
import { ACCESS_METADATA, type AccessLevel } from '../auth/access';
import { API_SCHEMAS_METADATA, type ApiSchemas } from './api-schemas';
import { CONSUMES_METADATA, JSON_ONLY } from './media-type';

export interface ServedRoute {
  method: string;
  path: string;
  /** What the route declares; undefined when it declares nothing (the guard refuses it to all). */
  access: AccessLevel | undefined;
  /** A POST that only reads (`@ReadOnly()`). */
  readOnly: boolean;
  /** The media types its body may come in (`@Consumes`, else JSON). */
  consumes: readonly string[];
  /** The contract schemas of its body and query (`@ApiSchemas`), when it declares them. */
  schemas: ApiSchemas | undefined;
  /** The handler's class and method name. */
  operationId: string;
  /** Its handler takes the query string (`@Query()`). */
  readsQuery: boolean;
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** What servedRoutes reads: Nest's discovery and the express application. */
export interface RouteSources {
  discovery: DiscoveryService;
  scanner: MetadataScanner;
  adapterHost: HttpAdapterHost;
}

const join = (...parts: string[]) =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

/**
 * Every route the running application serves, read from express' own router (what a client can
 * reach), each with what its Nest handler declares (found through Nest's discovery).
 */
export function servedRoutes({ discovery, scanner, adapterHost }: RouteSources): ServedRoute[] {
  const declared = new Map<string, Omit<ServedRoute, 'method' | 'path'>>();
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
    if (!controller) continue;
    const base = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat()[0] ?? '';
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name] as object;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const access = (Reflect.getMetadata(ACCESS_METADATA, handler) ??
        Reflect.getMetadata(ACCESS_METADATA, controller)) as AccessLevel | undefined;
      const readOnly = Reflect.getMetadata(READ_ONLY_METADATA, handler) === true;
      const consumes = (Reflect.getMetadata(CONSUMES_METADATA, handler) as string[] | undefined) ?? JSON_ONLY;
      const schemas = Reflect.getMetadata(API_SCHEMAS_METADATA, handler) as ApiSchemas | undefined;
      const operationId = `${controller.name.replace(/Controller$/, '')}.${name}`;
      // Nest keeps a handler's parameter decorators as `<type>:<index>` keys on its class.
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, unknown>;
      const readsQuery = Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
      for (const p of [path].flat())
        declared.set(`${method} ${join(base, p)}`, { access, readOnly, consumes, schemas, operationId, readsQuery });
    }
  }
  const router = (adapterHost.httpAdapter.getInstance() as { router: { stack: ExpressLayer[] } }).router;
  const served: ServedRoute[] = [];
  for (const layer of router.stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (!on || method === '_all') continue;
      const key = `${method.toUpperCase()} ${layer.route.path}`;
      const route = declared.get(key);
      if (!route) throw new Error(`express serves ${key}, which no Nest controller declares`);
      served.push({ method: method.toUpperCase(), path: layer.route.path, ...route });
    }
  }
  return served;
}

/** servedRoutes of an application (tests). */
export const servedRoutesOf = (app: INestApplication): ServedRoute[] =>
  servedRoutes({
    discovery: app.get(DiscoveryService),
    scanner: app.get(MetadataScanner),
    adapterHost: app.get(HttpAdapterHost),
  });
