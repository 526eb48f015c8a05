import { execFileSync } from 'node:child_process';
import { accessSync, chownSync, constants, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './process';

/** Debian's server binaries, newest version first; then whatever the PATH has. */
function binDirs(): string[] {
  let versions: string[] = [];
  try {
    versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  } catch {
    // not a Debian layout
  }
  return [
    ...versions.map((v) => join('/usr/lib/postgresql', v, 'bin')),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
  ];
}

/**
 * The folder of initdb/pg_ctl (Debian's postgresql package). Missing: undefined, so a test can
 * skip; under CI=true a missing binary is an error instead.
 */
export function postgresBinDir(): string | undefined {
  for (const dir of binDirs()) {
    try {
      accessSync(join(dir, 'pg_ctl'), constants.X_OK);
      return dir;
    } catch {
      // not here
    }
  }
  if (process.env.CI === 'true') throw new Error('initdb/pg_ctl are not installed (Debian package "postgresql")');
  return undefined;
}

/**
 * A Postgres server of the test's own (trust authentication, user `postgres`, on a free port,
 * data in a temporary folder), for tests that stop and start the database under a service.
 * Run as root, the server runs as the `postgres` user, since Postgres refuses root.
 */
export class PrivatePostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
  port = 0;
  private readonly asRoot = userInfo().uid === 0;

  constructor(private readonly bin: string) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<this> {
    this.port = await freePort();
    if (this.asRoot) {
      const pg = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(this.dir, pg, gid);
    }
    this.run('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    await this.up();
    return this;
  }

  /** Starts the stopped server again, on the same port and data. */
  async up(): Promise<void> {
    this.run('pg_ctl', [
      '-D',
      this.data,
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  }

  /** Stops it at once (`immediate`: connections are cut, as in a crash or an outage). */
  down(): void {
    this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
  }

  stop(): void {
    try {
      this.down();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private run(tool: string, args: string[]): void {
    const cmd = join(this.bin, tool);
    if (this.asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
    else execFileSync(cmd, args, { stdio: 'pipe' });
  }
}
