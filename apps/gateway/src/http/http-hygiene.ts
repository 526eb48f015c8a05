import { PayloadTooLargeException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ValidationError, VigilError } from '@vigil/contracts';
import { Observability, SERVICE_CONFIG } from '@vigil/platform';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { GatewayEnv } from '../config';
import { consoleHandler, defaultConsoleDir, loadConsoleFiles } from './console-static';
import { RateLimiter } from './rate-limiter';

/**
 * Security headers for the API and the console served from the same origin: everything from
 * 'self' only, no inline script or style, no framing, no plugins. The console needs nothing more:
 * Vite's build loads one module script and one stylesheet by URL (its module-preload polyfill, which
 * would be inline, is turned off), Preact and uPlot set styles through the CSSOM (`el.style.x = …`,
 * which style-src does not govern; only `style` attributes in markup and `<style>` elements are),
 * and `connect-src 'self'` admits the same-origin WebSocket (`ws:`/`wss:` of the page's host, CSP 3).
 * `upgrade-insecure-requests` is left out: a gateway reached over plain HTTP inside a network would
 * break its own console.
 */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
});

/**
 * Body parser failures (http-errors with a `type` and a `statusCode`) as the error vocabulary, with a fixed message: the parser's own
 * (`Unexpected token … "{"password": "hunt…" is not valid JSON`) quotes the body.
 */
function bodyErrors(limit: number) {
  return (err: unknown, _req: Request, _res: Response, next: NextFunction): void => {
    if (err instanceof VigilError) return next(err);
    const { type, statusCode } = (err ?? {}) as { type?: unknown; statusCode?: unknown };
    if (typeof statusCode !== 'number') return next(err);
    if (type === 'entity.too.large')
      return next(new PayloadTooLargeException(`the body is larger than ${limit} bytes`));
    if (typeof type === 'string') return next(new ValidationError('the request body could not be read'));
    next(err);
  };
}

/**
 * What the gateway's express application does before any route: security headers, CORS (only
 * for `VIGIL_CORS_ORIGINS`), the per-address rate limit, the console's files (console-static.ts), and JSON and form bodies up to
 * `VIGIL_HTTP_BODY_LIMIT` (Nest's own parsers, 100 kB, are then not added). Called before the
 * application initialises, by main.ts and by the tests' startGateway alike.
 */
export function configureGatewayHttp(app: NestExpressApplication): void {
  const config = app.get<GatewayEnv>(SERVICE_CONFIG);
  const limit = config.VIGIL_HTTP_BODY_LIMIT;
  app.use(securityHeaders);
  if (config.VIGIL_CORS_ORIGINS.length > 0)
    app.enableCors({ origin: config.VIGIL_CORS_ORIGINS, credentials: true, maxAge: 600 });
  app.use(app.get(RateLimiter).perAddress);
  const consoleDir = config.VIGIL_DASHBOARD_DIR ?? defaultConsoleDir();
  const consoleFiles = loadConsoleFiles(consoleDir);
  const { logger } = app.get(Observability);
  if (consoleFiles) app.use(consoleHandler(consoleFiles));
  else logger.warn({ dir: consoleDir }, 'the console is not built (npm run build): / is not served');
  app.useBodyParser('json', { limit, type: 'application/json' });
  app.useBodyParser('urlencoded', { limit, extended: true });
  app.use(bodyErrors(limit));
}
