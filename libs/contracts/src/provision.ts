import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { DEFAULT_STREAM_LIMITS, ensureStreams, type StreamLimits } from './streams';
import type { Topology } from './topology';

/** The agent-config bucket as the agent would create it on an open server (same history). */
export const AGENT_CONFIG_BUCKET_OPTIONS = {
  history: 10,
  description: 'Vigil agent configuration: key `fleet` and `node.<nodeId>`',
};

/**
 * What the admin identity sets up before the services start: the streams (created, or their
 * mutable settings brought up to date) and the agent-config KV bucket. Idempotent.
 */
export async function provisionBus(
  nc: NatsConnection,
  topology: Topology,
  limits: StreamLimits = DEFAULT_STREAM_LIMITS,
): Promise<void> {
  await ensureStreams(await jetstreamManager(nc), topology, limits);
  await new Kvm(nc).create(topology.buckets.agentConfig, {
    ...AGENT_CONFIG_BUCKET_OPTIONS,
    replicas: limits.replicas,
  });
}
