import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';

/**
 * The web console (apps/dashboard, built by Vite into apps/dashboard/dist) served at `/`.
 *
 * The files are read once, at start, into memory (with their gzip), and only those files are
 * ever answered: a request names an entry of that index or nothing, so no path reaches the disk.
 * Paths of the API and the platform (`/api`, `/ws`, `/health*`, `/metrics`, `/docs`) are never
 * answered here; any other GET without a file extension is a client-side route of the console and
 * gets index.html. The files are public (the console's code holds no data and no secret), everything
 * the console shows comes from the authenticated API. A rebuilt console is served after a restart.
 *
 * It is express middleware, not a Nest route: the access guard, servedRoutes() and the OpenAPI
 * document cover the API only, and the API's public routes stay what they were.
 */

/** Vite's output names its assets `<name>-<hash>.<ext>` under /assets: cached for a year. */
const HASHED_ASSET = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const RESERVED = /^\/(api|ws|health|metrics|docs)(\/|$)/;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

interface ConsoleFile {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  cacheControl: string;
}

/** Whether a path belongs to the API or the platform rather than the console. */
export const isReservedPath = (path: string): boolean => RESERVED.test(path);

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** Every file of the built console by its URL path; undefined when the directory holds no index.html. */
export function loadConsoleFiles(dir: string): Map<string, ConsoleFile> | undefined {
  const root = resolve(dir);
  if (!existsSync(join(root, 'index.html'))) return undefined;
  const files = new Map<string, ConsoleFile>();
  for (const path of filesUnder(root)) {
    const ext = extname(path);
    const type = TYPES[ext];
    if (!type) continue;
    const url = `/${relative(root, path).split(sep).join('/')}`;
    const body = readFileSync(path);
    const cacheControl = HASHED_ASSET.test(url) ? 'public, max-age=31536000, immutable' : 'no-store';
    const gzip = COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
    files.set(url, { body, gzip, type, cacheControl });
  }
  return files;
}

/** The express handler: a file of the console, index.html for a client-side route, else the next handler. */
export function consoleHandler(files: Map<string, ConsoleFile>) {
  const index = files.get('/index.html');
  if (!index) throw new Error('the console has no index.html');
  return (req: Request, res: Response, next: NextFunction): void => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isReservedPath(req.path)) return next();
    let file = files.get(req.path);
    // A missing asset (a stale hashed name, a typo) is a 404, not the page: only extension-less paths are routes.
    if (!file && extname(req.path) === '') file = index;
    if (!file) return next();
    const gzip = file.gzip && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '') ? file.gzip : undefined;
    res.setHeader('content-type', file.type);
    res.setHeader('cache-control', file.cacheControl);
    res.setHeader('vary', 'accept-encoding');
    if (gzip) res.setHeader('content-encoding', 'gzip');
    const body = gzip ?? file.body;
    res.setHeader('content-length', String(body.length));
    res.status(200);
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  };
}

/** Where the built console is: VIGIL_DASHBOARD_DIR, else apps/dashboard/dist beside this app. */
export const defaultConsoleDir = (): string => resolve(__dirname, '..', '..', '..', 'dashboard', 'dist');
