import path from 'node:path';
import * as z from 'zod';
import { type AgentConfigDocument, DEFAULT_PARTITIONS, describeIssues, Labels, NodeId } from '@vigil/contracts';
import { type NatsCredentials, natsCredentialsFromEnv } from '@vigil/messaging';

export const DEFAULT_STATE_DIR = '/var/lib/vigil-agent';
export const DEFAULT_CONFIG_PATH = '/etc/vigil/agent.yaml';

/**
 * What the environment says. Connection and identity settings are read only here: they
 * cannot change while the agent runs, so keeping them out of config documents means every
 * key of the file and the KV bucket applies live. Interval, label, spool and metrics port
 * variables become `overrides`, the env layer between the file and the KV documents.
 */
export interface BootConfig {
  natsUrl: string;
  /** The agent's NATS user (NATS_USER with NATS_PASSWORD or NATS_PASSWORD_FILE): a secret, never logged. */
  natsCredentials?: NatsCredentials;
  /** NATS_CA_FILE: verify the server's TLS certificate against this CA (PEM); the connection then requires TLS. */
  natsCaFile?: string;
  natsPrefix: string;
  partitions: number;
  /**
   * Where the node id and batch sequence live, in order of preference: the explicit
   * VIGIL_AGENT_STATE_DIR alone, or the system default followed by a per-user fallback.
   */
  stateDirCandidates: string[];
  /** Where unpublished messages wait (VIGIL_AGENT_SPOOL_DIR); unset: `spool` in the state directory. */
  spoolDir?: string;
  configFile: ConfigFileLocation;
  /** The env layer: only the settings whose variables are set. */
  overrides: AgentConfigDocument;
  nodeIdOverride?: string;
  /** One-time token that enrolls this node's key with the platform (a secret: never logged). */
  enrollmentToken?: string;
  hostname: string;
  logLevel: LogLevel;
}

export interface ConfigFileLocation {
  path: string;
  /** Named by VIGIL_AGENT_CONFIG: then the file must exist, while the default path may be absent. */
  explicit: boolean;
}

/** What the config falls back to when the environment does not say. */
export interface HostDefaults {
  hostname: string;
  homeDir: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof LogLevel>;

// No defaults for the overrides: an unset variable leaves the setting to the file (or AgentConfig's default).
const intervalMs = z.coerce.number().int().min(100).max(86_400_000).optional();

/** `k=v,k2=v2` → `{ k: 'v', k2: 'v2' }`; every pair needs a non-empty key and an `=`. */
const LabelList = z
  .string()
  .transform((text, ctx) => {
    const labels: Record<string, string> = {};
    for (const pair of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) {
        ctx.issues.push({ code: 'custom', input: text, message: `"${pair}" is not key=value` });
        return z.NEVER;
      }
      labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    return labels;
  })
  .pipe(Labels);

const AgentEnv = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_CA_FILE: z.string().refine(path.isAbsolute, 'must be an absolute path').optional(),
  VIGIL_NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'must contain only letters, digits, "_" and "-"')
    .default(''),
  VIGIL_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(DEFAULT_PARTITIONS),
  VIGIL_AGENT_STATE_DIR: z.string().refine(path.isAbsolute, 'must be an absolute path').optional(),
  VIGIL_AGENT_SPOOL_DIR: z.string().refine(path.isAbsolute, 'must be an absolute path').optional(),
  VIGIL_AGENT_CONFIG: z.string().optional(),
  VIGIL_AGENT_HEARTBEAT_MS: intervalMs,
  VIGIL_AGENT_SAMPLE_MS: intervalMs,
  VIGIL_AGENT_INVENTORY_MS: intervalMs,
  VIGIL_AGENT_LABELS: LabelList.optional(),
  VIGIL_AGENT_SPOOL_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .optional(),
  /** 0 turns the agent's /metrics off. */
  VIGIL_AGENT_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  VIGIL_AGENT_NODE_ID: NodeId.optional(),
  VIGIL_AGENT_ENROLLMENT_TOKEN: z.string().min(20).max(200).optional(),
  VIGIL_AGENT_HOSTNAME: z.string().min(1).max(255).optional(),
  LOG_LEVEL: LogLevel.default('info'),
  XDG_STATE_HOME: z.string().optional(),
});

const withoutUndefined = (document: AgentConfigDocument): AgentConfigDocument =>
  Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined));

/**
 * Parses and validates the agent's environment once. Unset and empty variables take
 * their defaults; anything invalid is a ConfigError whose message names the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv, defaults: HostDefaults): BootConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = AgentEnv.safeParse(present);
  if (!parsed.success) throw new ConfigError(`invalid environment: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  let natsCredentials: NatsCredentials | undefined;
  try {
    natsCredentials = natsCredentialsFromEnv(present);
  } catch (error) {
    throw new ConfigError(`invalid environment: ${(error as Error).message}`);
  }
  return {
    natsUrl: e.NATS_URL,
    natsCredentials,
    natsCaFile: e.NATS_CA_FILE,
    natsPrefix: e.VIGIL_NATS_PREFIX,
    partitions: e.VIGIL_PARTITIONS,
    stateDirCandidates: e.VIGIL_AGENT_STATE_DIR
      ? [e.VIGIL_AGENT_STATE_DIR]
      : [
          DEFAULT_STATE_DIR,
          path.join(e.XDG_STATE_HOME ?? path.join(defaults.homeDir, '.local', 'state'), 'vigil-agent'),
        ],
    spoolDir: e.VIGIL_AGENT_SPOOL_DIR,
    configFile: { path: e.VIGIL_AGENT_CONFIG ?? DEFAULT_CONFIG_PATH, explicit: e.VIGIL_AGENT_CONFIG !== undefined },
    overrides: withoutUndefined({
      heartbeatIntervalMs: e.VIGIL_AGENT_HEARTBEAT_MS,
      sampleIntervalMs: e.VIGIL_AGENT_SAMPLE_MS,
      inventoryIntervalMs: e.VIGIL_AGENT_INVENTORY_MS,
      labels: e.VIGIL_AGENT_LABELS,
      spool: e.VIGIL_AGENT_SPOOL_MAX_BYTES === undefined ? undefined : { maxBytes: e.VIGIL_AGENT_SPOOL_MAX_BYTES },
      metrics: e.VIGIL_AGENT_METRICS_PORT === undefined ? undefined : { port: e.VIGIL_AGENT_METRICS_PORT },
    }),
    nodeIdOverride: e.VIGIL_AGENT_NODE_ID,
    enrollmentToken: e.VIGIL_AGENT_ENROLLMENT_TOKEN,
    hostname: e.VIGIL_AGENT_HOSTNAME ?? defaults.hostname,
    logLevel: e.LOG_LEVEL,
  };
}
