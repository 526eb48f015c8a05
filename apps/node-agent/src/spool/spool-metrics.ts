/**
 * What the spool and its replay did since the agent started, and what waits now. The
 * totals count every spooled message: sample batches, and the rare inventory or agent event.
 */
export interface SpoolMetrics {
  /** On disk, never more than the configured limit. */
  bytes: number;
  /** Waiting for replay. */
  messages: number;
  spooledTotal: number;
  /** Spooled messages that reached NATS. */
  replayedTotal: number;
  /** Lost: the oldest when the spool was full, an unreadable segment's rest, a message NATS refused. */
  droppedTotal: number;
  /** Failed publishes: live ones (the message was spooled instead) and replayed ones (retried later). */
  publishErrorsTotal: number;
}

export const SpoolMetric = {
  bytes: 'vigil_agent_spool_bytes',
  messages: 'vigil_agent_spool_messages',
  spooled: 'vigil_agent_batches_spooled_total',
  replayed: 'vigil_agent_batches_replayed_total',
  dropped: 'vigil_agent_batches_dropped_total',
} as const;
