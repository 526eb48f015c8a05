/**
 * Every subject, stream and consumer name in Vigil comes from here.
 *
 * A topology carries a prefix so that tests (and several Vigil installations on
 * one NATS account) never see each other's messages: with prefix `t42` the
 * heartbeat subject is `t42.telemetry.heartbeat.<node>` and the stream is
 * `T42_TELEMETRY`. Production runs with the empty prefix.
 */
import { AGENT_CONFIG_BUCKET } from './agent/agent-config.schema';

export type Context = 'node' | 'identity' | 'rule' | 'alert' | 'silence' | 'backup' | 'metrics' | 'security';

export interface Topology {
  readonly prefix: string;
  readonly partitions: number;
  readonly streams: { readonly telemetry: string; readonly events: string; readonly dlq: string };
  /** JetStream KV buckets: `agent-config`, or `<prefix>-agent-config` in a prefixed deployment. */
  readonly buckets: { readonly agentConfig: string };
  readonly subjects: {
    heartbeat(nodeId: string): string;
    allHeartbeats(): string;
    inventory(nodeId: string): string;
    allInventory(): string;
    /** Events of the processes an agent supervises (SupervisorEvent). */
    agentEvents(nodeId: string): string;
    allAgentEvents(): string;
    samples(partition: number, nodeId: string): string;
    samplesOfPartition(partition: number): string;
    allSamples(): string;
    allTelemetry(): string;
    events(context: Context, aggregateId: string): string;
    eventsOf(context: Context): string;
    allEvents(): string;
    cmd(context: string, verb: string): string;
    qry(context: string, what: string): string;
    dlq(service: string): string;
    allDlq(): string;
  };
  /** Durable consumer names are per stream, so the prefix is not needed in them. */
  readonly consumers: {
    registryHeartbeats: string;
    registryInventory: string;
    registryAgentEvents: string;
    projection(name: string): string;
  };
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** A subject token must not be empty nor contain `.`, `*`, `>` or whitespace. */
export function assertToken(value: string, what: string): string {
  if (!TOKEN.test(value)) {
    throw new Error(`${what} "${value}" is not a valid subject token (letters, digits, '_' and '-' only)`);
  }
  return value;
}

export const DEFAULT_PARTITIONS = 16;

export function createTopology(prefix = '', partitions = DEFAULT_PARTITIONS): Topology {
  if (prefix !== '') assertToken(prefix, 'prefix');
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
    throw new Error(`partitions must be an integer in 1..1024, got ${partitions}`);
  }
  const s = (rest: string) => (prefix ? `${prefix}.${rest}` : rest);
  const stream = (name: string) => (prefix ? `${prefix.toUpperCase().replace(/-/g, '_')}_${name}` : name);
  return {
    prefix,
    partitions,
    streams: { telemetry: stream('TELEMETRY'), events: stream('EVENTS'), dlq: stream('DLQ') },
    buckets: { agentConfig: prefix ? `${prefix}-${AGENT_CONFIG_BUCKET}` : AGENT_CONFIG_BUCKET },
    subjects: {
      heartbeat: (nodeId) => s(`telemetry.heartbeat.${assertToken(nodeId, 'nodeId')}`),
      allHeartbeats: () => s('telemetry.heartbeat.*'),
      inventory: (nodeId) => s(`telemetry.inventory.${assertToken(nodeId, 'nodeId')}`),
      allInventory: () => s('telemetry.inventory.*'),
      agentEvents: (nodeId) => s(`telemetry.agent-events.${assertToken(nodeId, 'nodeId')}`),
      allAgentEvents: () => s('telemetry.agent-events.*'),
      samples: (p, nodeId) => s(`telemetry.samples.${p}.${assertToken(nodeId, 'nodeId')}`),
      samplesOfPartition: (p) => s(`telemetry.samples.${p}.*`),
      allSamples: () => s('telemetry.samples.>'),
      allTelemetry: () => s('telemetry.>'),
      events: (context, aggregateId) => s(`events.${context}.${assertToken(aggregateId, 'aggregateId')}`),
      eventsOf: (context) => s(`events.${context}.*`),
      allEvents: () => s('events.>'),
      cmd: (context, verb) => s(`cmd.${context}.${verb}`),
      qry: (context, what) => s(`qry.${context}.${what}`),
      dlq: (service) => s(`dlq.${assertToken(service, 'service')}`),
      allDlq: () => s('dlq.>'),
    },
    consumers: {
      registryHeartbeats: 'registry-heartbeats',
      registryInventory: 'registry-inventory',
      registryAgentEvents: 'registry-agent-events',
      projection: (name) => `projection-${assertToken(name, 'projection')}`,
    },
  };
}

/** Token of the subject at `index` (0-based, after the prefix). */
export function subjectToken(topology: Topology, subject: string, index: number): string | undefined {
  const rest = topology.prefix ? subject.slice(topology.prefix.length + 1) : subject;
  return rest.split('.')[index];
}
