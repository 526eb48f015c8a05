import type { BackupEvent, NodeEvent } from '@vigil/contracts';

/** Events as evaluators receive them, for the evaluators' unit specs. */
const envelope = {
  id: '019a0000-0000-7000-8000-000000000001',
  version: 1,
  meta: { correlationId: 'c', causationId: null, actor: 'service:test' },
};

export function backupEvent(
  type: BackupEvent['type'],
  job: string,
  at: number,
  labels: Record<string, string> = {},
): BackupEvent {
  const run = {
    runId: `run-${at}`,
    jobId: job,
    job,
    labels,
    startedAt: new Date(at - 60_000).toISOString(),
    finishedAt: new Date(at).toISOString(),
  };
  const data = type === 'backup.failed' ? { ...run, error: 'exit 1' } : run;
  return {
    ...envelope,
    type,
    subject: `backup.${run.runId}`,
    occurredAt: new Date(at).toISOString(),
    data,
  } as BackupEvent;
}

export function nodeEvent(
  type: 'node.registered' | 'node.online' | 'node.offline',
  nodeId: string,
  at: number,
  labels: Record<string, string> = {},
): NodeEvent {
  const iso = new Date(at).toISOString();
  const data =
    type === 'node.registered'
      ? { nodeId, hostname: nodeId, labels, agentVersion: '1' }
      : type === 'node.online'
        ? { nodeId, lastSeenAt: iso }
        : { nodeId, lastSeenAt: iso, timeoutMs: 30_000 };
  return { ...envelope, type, subject: `node.${nodeId}`, occurredAt: iso, data } as NodeEvent;
}
