import { Client } from 'pg';
import type { ManifestTable } from '@vigil/contracts';
import { StepError } from '../tool-error';
import type { DatabaseDriver, PostgresInfo } from './database-driver';
import { libpqConnection, runTool, toolVersion } from './pg-tools';

const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast'];

/**
 * `pg_dump -Fc` in a snapshot exported by a REPEATABLE READ transaction that, at the same time,
 * counts every table's rows and reads the WAL position: the counts in the manifest are exactly
 * what the archive holds. `pg_restore -j` restores in parallel (the custom format allows it on
 * restore; a parallel dump would need the directory format, which is not one file to checksum).
 */
export class PgDumpDriver implements DatabaseDriver {
  constructor(private readonly tools = { pgDump: 'pg_dump', pgRestore: 'pg_restore' }) {}

  async versions(): Promise<Record<string, string>> {
    return {
      pg_dump: await toolVersion(this.tools.pgDump),
      pg_restore: await toolVersion(this.tools.pgRestore),
    };
  }

  async dump(opts: Parameters<DatabaseDriver['dump']>[0]): ReturnType<DatabaseDriver['dump']> {
    const client = new Client({ connectionString: opts.url, application_name: 'vigil-backup' });
    await client.connect().catch((e: Error) => {
      throw new StepError('postgres.connect', e.message);
    });
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const head = await client.query<{ snapshot: string; lsn: string; version: string; db: string }>(
        `SELECT pg_export_snapshot() AS snapshot, pg_current_wal_lsn()::text AS lsn,
                current_setting('server_version') AS version, current_database() AS db`,
      );
      const { snapshot, lsn, version, db } = head.rows[0];
      const tables = await listTables(client, opts.schemas);
      const missing = opts.schemas.filter((s) => !tables.some((t) => t.schema === s));
      if (missing.length > 0)
        throw new StepError('postgres.dump', `no such schema or no tables in it: ${missing.join(', ')}`);

      const { dbname, env } = libpqConnection(opts.url);
      const args = ['--format=custom', `--snapshot=${snapshot}`, '--no-password', `--dbname=${dbname}`];
      for (const s of opts.schemas) args.push(`--schema=${s}`);
      const tool = runTool('postgres.dump', this.tools.pgDump, args, env);
      // The counts run in the exporting transaction while pg_dump reads: one snapshot for both.
      const counting = countIn(client, tables).catch((e: unknown) => {
        tool.kill();
        throw e;
      });
      const writing = opts.write(tool.stdout).catch((e: unknown) => {
        tool.kill();
        throw e;
      });
      const [artifact, counts, exited] = await Promise.allSettled([writing, counting, tool.done]);
      // pg_dump's own failure says most (its exit code and stderr); then the store's, then the counts'.
      if (exited.status === 'rejected') throw exited.reason;
      if (artifact.status === 'rejected') throw artifact.reason;
      if (counts.status === 'rejected') throw counts.reason;
      await client.query('COMMIT');
      const info: PostgresInfo = {
        serverVersion: version,
        database: db,
        schemas: opts.schemas,
        walLsn: lsn,
        tables: counts.value,
      };
      return { artifact: artifact.value, info };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async restore(opts: { url: string; archive: string; jobs: number; clean?: boolean }): Promise<void> {
    const { dbname, env } = libpqConnection(opts.url);
    const args = [
      `--dbname=${dbname}`,
      `--jobs=${Math.max(1, Math.floor(opts.jobs))}`,
      '--no-owner',
      '--no-acl',
      '--no-password',
      '--exit-on-error',
      ...(opts.clean ? ['--clean', '--if-exists'] : []),
      opts.archive,
    ];
    const tool = runTool('postgres.restore', this.tools.pgRestore, args, env);
    tool.stdout.resume();
    await tool.done;
  }

  async countRows(url: string, tables: Pick<ManifestTable, 'schema' | 'table'>[]): Promise<ManifestTable[]> {
    const client = new Client({ connectionString: url, application_name: 'vigil-backup-verify' });
    await client.connect();
    try {
      return await countIn(client, tables);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function listTables(client: Client, schemas: string[]): Promise<{ schema: string; table: string }[]> {
  const r = await client.query<{ schema: string; table: string }>(
    `SELECT schemaname AS schema, tablename AS "table" FROM pg_tables
      WHERE schemaname <> ALL($1::text[]) AND (cardinality($2::text[]) = 0 OR schemaname = ANY($2::text[]))
      ORDER BY 1, 2`,
    [SYSTEM_SCHEMAS, schemas],
  );
  return r.rows;
}

async function countIn(client: Client, tables: Pick<ManifestTable, 'schema' | 'table'>[]): Promise<ManifestTable[]> {
  const out: ManifestTable[] = [];
  for (const t of tables) {
    const r = await client.query<{ n: string }>(
      `SELECT count(*)::bigint AS n FROM ${quoteIdent(t.schema)}.${quoteIdent(t.table)}`,
    );
    out.push({ schema: t.schema, table: t.table, rows: Number(r.rows[0].n) });
  }
  return out;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
