import type { SupervisorEvent, SupervisedProcessView } from '@vigil/contracts';
import type { Database } from '@vigil/platform';

const STATE: Record<SupervisorEvent['type'], SupervisedProcessView['state']> = {
  started: 'running',
  restarted: 'running',
  exited: 'exited',
  unhealthy: 'unhealthy',
  given_up: 'given_up',
};

/**
 * Keeps `registry.supervised_processes` from supervisor events. Events can arrive late or
 * twice (a spool replay, a redelivery): the row takes an event only if it is not older than
 * the one it holds, and a restart is counted only for an event newer than it, so replaying
 * the same event changes nothing.
 *
 * A node keeps rows for at most `maxPerNode` process names: an event for a process it has is
 * always taken, one naming a new process only while the node has fewer (answers `over_limit`,
 * nothing written). The check and the insert are one statement; two events naming new
 * processes of one node committed at once can both pass it, so the bound is `maxPerNode` plus
 * the events of that node handled concurrently (the agent-events consumer takes one at a time
 * per replica).
 */
export async function recordSupervisorEvent(
  db: Database,
  e: SupervisorEvent,
  maxPerNode: number,
): Promise<'recorded' | 'over_limit'> {
  const [row] = await db.query<{ admitted: boolean }>(
    'supervised_process_upsert',
    `WITH admit AS (
       SELECT EXISTS (SELECT 1 FROM registry.supervised_processes WHERE node_id = $1 AND process = $2)
           OR (SELECT count(*) FROM registry.supervised_processes WHERE node_id = $1) < $10 AS admitted
     ), upsert AS (
       INSERT INTO registry.supervised_processes AS p
         (node_id, process, state, last_event, last_event_at, pid, exit_code, signal, reason, restarts)
       SELECT $1::text, $2::text, $3::text, $4::text, $5::timestamptz, $6::integer, $7::integer, $8::text, $9::text,
              CASE WHEN $4::text = 'restarted' THEN 1 ELSE 0 END
         FROM admit WHERE admitted
       ON CONFLICT (node_id, process) DO UPDATE SET
         state = excluded.state, last_event = excluded.last_event, last_event_at = excluded.last_event_at,
         pid = excluded.pid, exit_code = excluded.exit_code, signal = excluded.signal, reason = excluded.reason,
         restarts = p.restarts + CASE WHEN excluded.last_event = 'restarted' AND excluded.last_event_at > p.last_event_at THEN 1 ELSE 0 END
       WHERE excluded.last_event_at >= p.last_event_at
     )
     SELECT admitted FROM admit`,
    [
      e.nodeId,
      e.process,
      STATE[e.type],
      e.type,
      e.at,
      e.pid ?? null,
      e.exitCode ?? null,
      e.signal ?? null,
      e.reason ?? null,
      maxPerNode,
    ],
  );
  return row.admitted ? 'recorded' : 'over_limit';
}

export async function supervisedProcesses(db: Database, nodeId: string): Promise<SupervisedProcessView[]> {
  const rows = await db.query<{
    process: string;
    state: SupervisedProcessView['state'];
    last_event: SupervisedProcessView['lastEvent'];
    last_event_at: Date;
    pid: number | null;
    exit_code: number | null;
    signal: string | null;
    reason: string | null;
    restarts: number;
  }>('supervised_processes_get', 'SELECT * FROM registry.supervised_processes WHERE node_id = $1 ORDER BY process', [
    nodeId,
  ]);
  return rows.map((r) => ({
    process: r.process,
    state: r.state,
    lastEvent: r.last_event,
    lastEventAt: r.last_event_at.toISOString(),
    pid: r.pid,
    exitCode: r.exit_code,
    signal: r.signal,
    reason: r.reason,
    restarts: r.restarts,
  }));
}
