/**
 * Every subject, stream and consumer name in Vigil comes from here.
 *
 * A topology carries a prefix so that tests (and several Vigil installations on
 * one NATS account) never see each other's messages: with prefix `t42` the
 * heartbeat subject is `t42.telemetry.heartbeat.<node>` and the stream is
 * `T42_TELEMETRY`. Production runs with the empty prefix.
 */
import { AGENT_CONFIG_BUCKET } from './agent/agent-config.schema';
import { SUBJECT_TOKEN_PATTERN } from './patterns';

export type Context =
  | 'node'
  | 'identity'
  | 'rule'
  | 'alert'
  | 'silence'
  | 'notification'
  | 'backup'
  | 'backupjob'
  | 'metrics'
  | 'security'
  | 'user'
  | 'audit'
  | 'apikey'
  | 'maintenance';

/** What a node's telemetry subject says: which kind of message, whose, and for samples the partition. */
export type TelemetrySubject =
  | { readonly kind: 'heartbeat' | 'inventory' | 'agent-events'; readonly nodeId: string }
  | { readonly kind: 'samples'; readonly partition: number; readonly nodeId: string };

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
    /** `telemetry.samples.*.*`: one node's samples in any partition (what a core subscription of the gateway's live API may take). */
    samplesOfAnyNode(): string;
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
  /** Subjects taken apart: undefined for a subject of another shape or another prefix. */
  readonly parse: {
    /** `telemetry.samples.<partition>.<nodeId>`. */
    samples(subject: string): { partition: number; nodeId: string } | undefined;
    /** Any subject a node publishes on: heartbeat, inventory, agent events or samples. */
    telemetry(subject: string): TelemetrySubject | undefined;
  };
  /**
   * A subject or pattern of this topology as production names it (the prefix removed): the
   * low-cardinality label metrics and span names carry, the same in every deployment.
   */
  unprefixed(subject: string): string;
  /** Durable consumer names are per stream, so the prefix is not needed in them. */
  readonly consumers: {
    registryHeartbeats: string;
    registryInventory: string;
    registryAgentEvents: string;
    projection(name: string): string;
  };
}

/** A subject token must not be empty nor contain `.`, `*`, `>` or whitespace. */
export function assertToken(value: string, what: string): string {
  if (!SUBJECT_TOKEN_PATTERN.test(value)) {
    throw new Error(`${what} "${value}" is not a valid subject token (letters, digits, '_' and '-' only)`);
  }
  return value;
}

export const DEFAULT_PARTITIONS = 16;

/** A partition in a samples subject: a decimal integer as `samples(partition, …)` writes it. */
const PARTITION = /^(0|[1-9][0-9]*)$/;

export function createTopology(prefix = '', partitions = DEFAULT_PARTITIONS): Topology {
  if (prefix !== '') assertToken(prefix, 'prefix');
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
    throw new Error(`partitions must be an integer in 1..1024, got ${partitions}`);
  }
  const s = (rest: string) => (prefix ? `${prefix}.${rest}` : rest);
  const unprefixed = (subject: string): string | undefined => {
    if (!prefix) return subject;
    return subject.startsWith(`${prefix}.`) ? subject.slice(prefix.length + 1) : undefined;
  };
  const telemetry = (subject: string): TelemetrySubject | undefined => {
    const t = unprefixed(subject)?.split('.');
    if (t?.[0] !== 'telemetry') return undefined;
    if (t[1] === 'samples') {
      if (t.length !== 4 || !PARTITION.test(t[2]) || !SUBJECT_TOKEN_PATTERN.test(t[3])) return undefined;
      return { kind: 'samples', partition: Number(t[2]), nodeId: t[3] };
    }
    if (t.length !== 3 || !SUBJECT_TOKEN_PATTERN.test(t[2])) return undefined;
    const kind = t[1];
    return kind === 'heartbeat' || kind === 'inventory' || kind === 'agent-events' ? { kind, nodeId: t[2] } : undefined;
  };
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
      samplesOfAnyNode: () => s('telemetry.samples.*.*'),
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
    parse: {
      samples: (subject) => {
        const parsed = telemetry(subject);
        return parsed?.kind === 'samples' ? { partition: parsed.partition, nodeId: parsed.nodeId } : undefined;
      },
      telemetry,
    },
    unprefixed: (subject) => {
      const rest = unprefixed(subject);
      if (rest === undefined) throw new Error(`subject "${subject}" is not under the prefix "${prefix}"`);
      return rest;
    },
    consumers: {
      registryHeartbeats: 'registry-heartbeats',
      registryInventory: 'registry-inventory',
      registryAgentEvents: 'registry-agent-events',
      projection: (name) => `projection-${assertToken(name, 'projection')}`,
    },
  };
}
