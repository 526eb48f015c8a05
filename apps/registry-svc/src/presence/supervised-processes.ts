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
 */
export async function recordSupervisorEvent(db: Database, e: SupervisorEvent): Promise<void> {
  await db.query(
    'supervised_process_upsert',
    `INSERT INTO registry.supervised_processes AS p
       (node_id, process, state, last_event, last_event_at, pid, exit_code, signal, reason, restarts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $4 = 'restarted' THEN 1 ELSE 0 END)
     ON CONFLICT (node_id, process) DO UPDATE SET
       state = excluded.state, last_event = excluded.last_event, last_event_at = excluded.last_event_at,
       pid = excluded.pid, exit_code = excluded.exit_code, signal = excluded.signal, reason = excluded.reason,
       restarts = p.restarts + CASE WHEN excluded.last_event = 'restarted' AND excluded.last_event_at > p.last_event_at THEN 1 ELSE 0 END
     WHERE excluded.last_event_at >= p.last_event_at`,
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
    ],
  );
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
