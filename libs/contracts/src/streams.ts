import {
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Topology } from './topology';

export interface StreamLimits {
  /** How long raw telemetry stays in the TELEMETRY stream (metrics-svc keeps rollups). */
  telemetryMaxAgeMs: number;
  telemetryMaxBytes: number;
  dlqMaxAgeMs: number;
  /** JetStream de-duplicates a `Nats-Msg-Id` seen within this window. */
  duplicateWindowMs: number;
  /** 1 on a single server, 3 on a cluster. */
  replicas: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  telemetryMaxAgeMs: 24 * 3600_000,
  telemetryMaxBytes: 8 * 1024 ** 3,
  dlqMaxAgeMs: 14 * 24 * 3600_000,
  duplicateWindowMs: 10 * 60_000,
  replicas: 1,
};

type StreamDefinition = Partial<StreamConfig> & Pick<StreamConfig, 'name' | 'subjects'>;

export function streamDefinitions(t: Topology, limits: StreamLimits = DEFAULT_STREAM_LIMITS): StreamDefinition[] {
  const common = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: limits.replicas,
    duplicate_window: nanos(limits.duplicateWindowMs),
  };
  return [
    {
      ...common,
      name: t.streams.telemetry,
      description: 'Agent heartbeats, inventory and sample batches',
      subjects: [t.subjects.allTelemetry()],
      max_age: nanos(limits.telemetryMaxAgeMs),
      max_bytes: limits.telemetryMaxBytes,
    },
    {
      ...common,
      name: t.streams.events,
      description: 'Domain events of every context: the source of truth',
      subjects: [t.subjects.allEvents()],
      max_age: 0,
      // The source of truth: no message of it is ever deleted, and it is never purged.
      deny_delete: true,
      deny_purge: true,
      allow_direct: true,
    },
    {
      ...common,
      name: t.streams.dlq,
      description: 'Messages a consumer could not accept, with the reason in headers',
      subjects: [t.subjects.allDlq()],
      max_age: nanos(limits.dlqMaxAgeMs),
    },
  ];
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/**
 * Creates the streams or brings their mutable settings up to date. Idempotent and
 * safe to run concurrently from every service at start.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  topology: Topology,
  limits: StreamLimits = DEFAULT_STREAM_LIMITS,
): Promise<void> {
  for (const def of streamDefinitions(topology, limits)) {
    await ensureStream(jsm, def);
  }
}

async function ensureStream(jsm: JetStreamManager, def: StreamDefinition): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const info = await jsm.streams.info(def.name);
      const c = info.config;
      const drift =
        c.max_age !== def.max_age ||
        c.max_bytes !== (def.max_bytes ?? -1) ||
        c.duplicate_window !== def.duplicate_window ||
        c.subjects.join() !== def.subjects.join() ||
        // Only ever turned on: the server refuses to turn either off again.
        (!!def.deny_delete && !c.deny_delete) ||
        (!!def.deny_purge && !c.deny_purge);
      if (drift) {
        const { name: _name, storage: _storage, retention: _retention, ...mutable } = def;
        await jsm.streams.update(def.name, mutable);
      }
      return;
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== STREAM_NOT_FOUND) throw e;
    }
    try {
      await jsm.streams.add(def);
      return;
    } catch (e) {
      // Another service created it between our info and add: read it again.
      if (e instanceof JetStreamApiError && e.code === STREAM_NAME_IN_USE && attempt < 3) continue;
      throw e;
    }
  }
}

/** A stream this deployment needs is missing, and this connection may not create it. */
export class MissingStreamError extends Error {
  override readonly name = 'MissingStreamError';
}

/**
 * Checks (STREAM.INFO only) that every stream of the topology exists: what a service whose NATS
 * user may not manage streams does at start. Throws a MissingStreamError naming what is missing.
 */
export async function verifyStreams(jsm: JetStreamManager, topology: Topology): Promise<void> {
  const missing: string[] = [];
  for (const def of streamDefinitions(topology)) {
    try {
      await jsm.streams.info(def.name);
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== STREAM_NOT_FOUND) throw e;
      missing.push(def.name);
    }
  }
  if (missing.length > 0) {
    throw new MissingStreamError(
      `the JetStream stream(s) ${missing.join(', ')} do not exist; they are created by the NATS admin ` +
        `identity (npm start and docker compose provision them; see README "NATS users and permissions")`,
    );
  }
}

export async function deleteStreams(jsm: JetStreamManager, topology: Topology): Promise<void> {
  for (const name of Object.values(topology.streams)) {
    await jsm.streams.delete(name).catch(() => undefined);
  }
}
