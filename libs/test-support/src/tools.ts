import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * The one way a test depends on a program of the machine (promtool, systemd-analyze, useradd,
 * node_exporter, Alertmanager, nats-server, openssl) or on the machine itself (root, Linux).
 *
 * Outside CI a missing tool answers `undefined`, and the test skips (`(tool ? it : it.skip)`), so
 * a developer without Debian's packages can still run the rest. Under `CI=true` it throws instead,
 * naming the Debian package: CI installs every one of them (`.ci/run`), and a test must never
 * pass there by not running. `tools/lint/tool-skips.unit.spec.ts` fails on any spec that skips
 * on a condition not obtained here.
 */

const SEARCH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `name` is: itself when absolute, else the first directory of PATH (then the sbin ones) that has it. */
export function findTool(name: string): string | undefined {
  if (isAbsolute(name)) return executable(name) ? name : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SEARCH];
  for (const dir of dirs) if (executable(join(dir, name))) return join(dir, name);
  return undefined;
}

/** Whether a missing requirement fails (CI) rather than skips (a developer's machine). */
export const requirementsAreMandatory = (): boolean => process.env.CI === 'true';

function missing(what: string): undefined {
  if (requirementsAreMandatory()) throw new Error(`${what} (CI=true: a test never skips on a missing tool in CI)`);
  return undefined;
}

/**
 * The path of the program `name` (absolute, or looked up on PATH and the sbin directories);
 * `debianPackage` is what provides it. Missing: undefined, or under CI=true an Error.
 */
export function requireTool(name: string, debianPackage: string): string | undefined {
  return findTool(name) ?? missing(`${name} is not installed (Debian package "${debianPackage}")`);
}

/** Several programs at once: true when all are there (under CI=true, an Error for the first missing). */
export function requireTools(tools: Record<string, string>): boolean {
  return Object.entries(tools).every(([name, pkg]) => requireTool(name, pkg) !== undefined);
}

/** Whether this process runs as root (a test that must own files as other users needs it). */
export function requireRoot(why: string): boolean {
  return process.getuid?.() === 0 || (missing(`not running as root, which ${why} needs`) ?? false);
}

/** Whether this is `platform` (e.g. a collector reading /proc needs Linux). */
export function requirePlatform(platform: NodeJS.Platform): boolean {
  return process.platform === platform || (missing(`not on ${platform} (${process.platform})`) ?? false);
}
