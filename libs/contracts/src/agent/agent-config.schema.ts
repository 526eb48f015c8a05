import * as z from 'zod';
import { Labels } from '../common.schema';

/**
 * What an agent runs with. The same document comes from three places, merged in
 * this order (later wins, per key): the local file (`/etc/vigil/agent.yaml`, the
 * path in VIGIL_AGENT_CONFIG), the fleet default in the `agent-config` KV bucket
 * (key `fleet`), the node's own override there (key `node.<nodeId>`); environment
 * variables override the local file. Every field is optional in a document; the
 * merged result is parsed with `AgentConfig` and gets the defaults below. A KV document
 * may set only intervals, labels, collectors, `spool.maxBytes` and scrape targets that
 * the file's `scrapeAllow` admits: nothing remote can make a host run a command.
 */
const intervalMs = z.number().int().min(100).max(86_400_000);

export const CollectorName = z.enum([
  'cpu',
  'load',
  'memory',
  'filesystem',
  'diskio',
  'network',
  'processes',
  'uptime',
  'temperature',
  'gpu',
]);
export type CollectorName = z.infer<typeof CollectorName>;

export const CollectorSettings = z.object({
  enabled: z.boolean().default(true),
  /** Defaults to `sampleIntervalMs`. A slower collector contributes to every n-th batch. */
  intervalMs: intervalMs.optional(),
});

export const ScrapeTarget = z.object({
  /** Becomes the `job` label of every forwarded sample. */
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]*$/),
  url: z.url(),
  intervalMs: intervalMs.default(15_000),
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  labels: Labels.default({}),
});
export type ScrapeTarget = z.infer<typeof ScrapeTarget>;

export const HealthCheck = z.discriminatedUnion('type', [
  z.object({ type: z.literal('http'), url: z.url(), expectStatus: z.number().int().default(200) }),
  z.object({ type: z.literal('tcp'), host: z.string().default('127.0.0.1'), port: z.number().int().min(1).max(65535) }),
  z.object({ type: z.literal('command'), command: z.string().min(1), args: z.array(z.string()).default([]) }),
]);

export const SupervisedProcess = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]+$/),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  workingDir: z.string().optional(),
  /** Run as this user (the agent must be root to switch). */
  user: z.string().optional(),
  restart: z.enum(['always', 'on-failure', 'never']).default('on-failure'),
  backoff: z
    .object({ initialMs: z.number().int().min(10).default(1_000), maxMs: z.number().int().min(10).default(60_000) })
    .default({ initialMs: 1_000, maxMs: 60_000 }),
  /** Restarts within `restartWindowMs` after which the supervisor gives up. */
  maxRestarts: z.number().int().min(0).default(10),
  restartWindowMs: z.number().int().min(1000).default(600_000),
  healthCheck: HealthCheck.and(
    z.object({
      intervalMs: intervalMs.default(10_000),
      timeoutMs: z.number().int().min(10).default(2_000),
      failureThreshold: z.number().int().min(1).default(3),
    }),
  ).optional(),
  stopTimeoutMs: z.number().int().min(100).default(10_000),
});
export type SupervisedProcess = z.infer<typeof SupervisedProcess>;

export const AgentConfig = z.object({
  heartbeatIntervalMs: intervalMs.default(5_000),
  sampleIntervalMs: intervalMs.default(1_000),
  inventoryIntervalMs: intervalMs.default(600_000),
  labels: Labels.default({}),
  collectors: z.partialRecord(CollectorName, CollectorSettings).default({}),
  scrape: z.array(ScrapeTarget).default([]),
  /**
   * Which scrape URLs a KV document may name (`host:port`, or a URL pattern with `*`; see
   * the agent's config/scrape-allow.ts). Only the local file sets it; targets of the file
   * itself need no entry.
   */
  scrapeAllow: z.array(z.string().min(1).max(512)).max(256).default([]),
  /** Only from the local file: a KV document that sets it is rejected (the agent's remote-policy.ts). */
  supervise: z.array(SupervisedProcess).default([]),
  spool: z
    .object({
      maxBytes: z
        .number()
        .int()
        .min(1024 * 1024)
        .default(512 * 1024 * 1024),
    })
    .default({ maxBytes: 512 * 1024 * 1024 }),
  metrics: z
    .object({ port: z.number().int().min(0).max(65535).default(9101), host: z.string().default('127.0.0.1') })
    .default({
      port: 9101,
      host: '127.0.0.1',
    }),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** A config document as stored (file or KV): any subset of AgentConfig, plus its version. */
export const AgentConfigDocument = z.object({ version: z.string().min(1).max(128).optional() }).catchall(z.unknown());
export type AgentConfigDocument = z.infer<typeof AgentConfigDocument>;

export const AGENT_CONFIG_BUCKET = 'agent-config';
export const agentConfigKeys = {
  fleet: 'fleet',
  node: (nodeId: string) => `node.${nodeId}`,
};

/** What an agent reports about its configuration in every heartbeat. */
export const AppliedConfig = z.object({
  /** Versions of the documents in effect, joined: `file:<v>+fleet:<v>+node:<v>`. */
  version: z.string().max(512),
  status: z.enum(['applied', 'rejected']),
  /** Why the latest document was rejected (the agent keeps running the last good one). */
  error: z.string().max(2048).optional(),
});
export type AppliedConfig = z.infer<typeof AppliedConfig>;
