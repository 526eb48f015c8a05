import { resolve } from 'node:path';
import { VigilError } from '@vigil/contracts';
import { PgDumpDriver } from '../engine/postgres/pg-dump.driver';
import { restoreBackup } from '../engine/restore';
import { LocalDirectoryStore } from '../engine/store/local-directory.store';
import { StepError } from '../engine/tool-error';

const USAGE =
  'vigil backup restore <runId> --from <job directory> --into <postgres URL> [--allow-live] [--jobs N]\n' +
  '  restores the database of a backup kept in <job directory> (VIGIL_BACKUP_ROOT/<target.directory>),\n' +
  '  after checking its manifest and SHA-256; a database already holding tables of its schemas is\n' +
  '  refused unless --allow-live (they are then dropped and replaced). The URL may leave out the\n' +
  '  password: PGPASSWORD is used.';

/** `vigil backup restore …`, run where the backups are (it reads the directory and runs pg_restore). */
export async function runBackupRestoreCli(
  argv: string[],
  cwd: string,
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  const words: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) words.push(argv[i]);
    else if (m[1] === 'allow-live') options[m[1]] = true;
    else options[m[1]] = m[2] ?? argv[++i];
  }
  const [runId] = words;
  const from = options.from;
  const into = options.into;
  const jobs = options.jobs === undefined ? 2 : Number(options.jobs);
  if (!runId || typeof from !== 'string' || typeof into !== 'string' || !Number.isInteger(jobs) || jobs < 1) {
    err(`${USAGE}\n`);
    return 2;
  }
  try {
    const result = await restoreBackup({
      store: new LocalDirectoryStore(resolve(cwd, from)),
      backupId: runId,
      intoUrl: into,
      allowLive: options['allow-live'] === true,
      jobs,
      driver: new PgDumpDriver(),
    });
    out(
      `restored backup ${runId} (${result.manifest.finishedAt}): ${result.tables} tables, ${result.rows} rows, ` +
        `row counts as in the manifest, in ${result.seconds.toFixed(1)} s\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof StepError || e instanceof VigilError) {
      err(`vigil backup restore: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
