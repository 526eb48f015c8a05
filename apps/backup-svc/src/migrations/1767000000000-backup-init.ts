import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projection checkpoints, the redrive ledger, and the read models of the backup jobs and of their
 * runs (each run's outcome, last drill and pruning).
 */
export class BackupInit1767000000000 implements MigrationInterface {
  name = 'BackupInit1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backup.projection_checkpoints (
        projection text PRIMARY KEY,
        last_seq bigint NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE backup.dlq_redriven (
        stream      text        NOT NULL,
        stream_seq  bigint      NOT NULL,
        dlq_seq     bigint      NOT NULL,
        actor       text        NOT NULL,
        redriven_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream, stream_seq)
      )`);
    await q.query(`
      CREATE TABLE backup.jobs (
        id text PRIMARY KEY,
        job jsonb NOT NULL,
        paused boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL,
        last_event_seq bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE backup.runs (
        run_id text PRIMARY KEY,
        job_id text NOT NULL,
        job text NOT NULL,
        labels jsonb NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'catch-up', 'manual')),
        scheduled_for timestamptz,
        state text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
        started_at timestamptz NOT NULL,
        started_by text NOT NULL,
        finished_at timestamptz,
        bytes bigint,
        location text,
        manifest_sha256 text,
        error text,
        step text,
        exit_code integer,
        stderr_tail text,
        drill_outcome text CHECK (drill_outcome IN ('verified', 'rto_regressed', 'verification_failed')),
        drill_at timestamptz,
        drill_rto_seconds double precision,
        drill_failures jsonb,
        pruned_at timestamptz,
        last_event_seq bigint NOT NULL
      )`);
    await q.query('CREATE INDEX runs_job_started_idx ON backup.runs (job_id, started_at DESC)');
    await q.query("CREATE INDEX runs_running_idx ON backup.runs (state) WHERE state = 'running'");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE backup.runs');
    await q.query('DROP TABLE backup.jobs');
    await q.query('DROP TABLE backup.dlq_redriven');
    await q.query('DROP TABLE backup.projection_checkpoints');
  }
}
