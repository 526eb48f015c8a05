/**
 * The gateway with authentication taken out, for `bench/gateway.bench.js` only: the reference the
 * real gateway's authentication is measured against. It is never shipped and has no switch in
 * the gateway itself: this file builds the Nest application from the gateway's compiled
 * AppModule (apps/gateway/dist) with one change, the AuthModule replaced by a copy of itself
 * whose global guard (APP_GUARD) is `NoAuthGuard` instead of `AccessGuard`.
 *
 * NoAuthGuard lets every request in as a fixed, unscoped admin principal (the controllers read
 * the principal, so one must be set) without reading any credentials: no token check, no Redis
 * session lookup, no API key query. Everything else (controllers, ServiceClient, the audit
 * interceptor, the problem filter, the HTTP rules, telemetry) is the gateway's own. It listens on 127.0.0.1
 * only, on VIGIL_GATEWAY_PORT, and stops on SIGTERM as the gateway does.
 *
 *   node bench/lib/gateway-without-auth.js     (with the gateway's environment)
 */
const { join } = require('node:path');

const dist = join(__dirname, '..', '..', 'apps', 'gateway', 'dist');
require(join(dist, 'instrument')); // as main.js: tracing set up before http and pg are loaded
require('reflect-metadata');
const { Injectable, Module } = require('@nestjs/common');
const { MODULE_METADATA } = require('@nestjs/common/constants');
const { APP_GUARD } = require('@nestjs/core');
const { Test } = require('@nestjs/testing');
const { Observability, SERVICE_CONFIG } = require('@vigil/platform');
const { AppModule } = require(join(dist, 'app.module'));
const { AuthModule } = require(join(dist, 'auth', 'auth.module'));
const { AccessGuard } = require(join(dist, 'auth', 'access.guard'));
const { setPrincipal } = require(join(dist, 'auth', 'principal'));
const { configureGatewayHttp } = require(join(dist, 'http', 'http-hygiene'));

const BENCH_PRINCIPAL = Object.freeze({ kind: 'user', id: 'bench-no-auth', role: 'admin', sessionId: 'bench' });

class NoAuthGuard {
  canActivate(context) {
    setPrincipal(context.switchToHttp().getRequest(), BENCH_PRINCIPAL);
    return true;
  }
}
Injectable()(NoAuthGuard);

/** AuthModule's own metadata, its AccessGuard provider swapped for NoAuthGuard (fails if there is none to swap). */
function authModuleWithoutAuth() {
  const meta = (key) => Reflect.getMetadata(key, AuthModule) ?? [];
  let swapped = 0;
  const providers = meta(MODULE_METADATA.PROVIDERS).map((p) => {
    if (p && typeof p === 'object' && p.provide === APP_GUARD && p.useClass === AccessGuard) {
      swapped++;
      return { provide: APP_GUARD, useClass: NoAuthGuard };
    }
    return p;
  });
  if (swapped !== 1) throw new Error(`expected one APP_GUARD AccessGuard provider in AuthModule, found ${swapped}`);
  class BenchAuthModuleWithoutAuth {}
  Module({
    imports: meta(MODULE_METADATA.IMPORTS),
    controllers: meta(MODULE_METADATA.CONTROLLERS),
    providers,
    exports: meta(MODULE_METADATA.EXPORTS),
  })(BenchAuthModuleWithoutAuth);
  return BenchAuthModuleWithoutAuth;
}

async function main() {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideModule(AuthModule)
    .useModule(authModuleWithoutAuth())
    .compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true, abortOnError: false });
  const obs = app.get(Observability);
  const config = app.get(SERVICE_CONFIG);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  configureGatewayHttp(app); // as main.js: headers, body limit, CORS
  await app.listen(config.httpPort, '127.0.0.1');
  obs.logger.warn({ port: config.httpPort }, 'gateway WITHOUT authentication (bench reference) listening on 127.0.0.1');
}

main().catch((e) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', service: 'gateway-without-auth', err: String(e?.stack ?? e) })}\n`,
  );
  process.exit(1);
});
