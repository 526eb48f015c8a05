import path from 'node:path';
import { DEFAULT_PARTITIONS, describeIssues, Labels, NodeId, z } from '@vigil/contracts';

export const DEFAULT_STATE_DIR = '/var/lib/vigil-agent';

export interface AgentConfig {
  natsUrl: string;
  natsPrefix: string;
  partitions: number;
  /**
   * Where the node id and batch sequence live, in order of preference: the explicit
   * VIGIL_AGENT_STATE_DIR alone, or the system default followed by a per-user fallback.
   */
  stateDirCandidates: string[];
  heartbeatMs: number;
  sampleMs: number;
  inventoryCheckMs: number;
  labels: Labels;
  nodeIdOverride?: string;
  hostname: string;
  logLevel: LogLevel;
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

const intervalMs = (fallback: number) => z.coerce.number().int().min(100).max(86_400_000).default(fallback);

/** `k=v,k2=v2` → `{ k: 'v', k2: 'v2' }`; every pair needs a non-empty key and an `=`. */
const LabelList = z
  .string()
  .transform((text, ctx) => {
    const labels: Record<string, string> = {};
    for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
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
  VIGIL_NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'must contain only letters, digits, "_" and "-"')
    .default(''),
  VIGIL_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(DEFAULT_PARTITIONS),
  VIGIL_AGENT_STATE_DIR: z.string().refine(path.isAbsolute, 'must be an absolute path').optional(),
  VIGIL_AGENT_HEARTBEAT_MS: intervalMs(5_000),
  VIGIL_AGENT_SAMPLE_MS: intervalMs(1_000),
  VIGIL_AGENT_INVENTORY_MS: intervalMs(600_000),
  VIGIL_AGENT_LABELS: LabelList.default({}),
  VIGIL_AGENT_NODE_ID: NodeId.optional(),
  VIGIL_AGENT_HOSTNAME: z.string().min(1).max(255).optional(),
  LOG_LEVEL: LogLevel.default('info'),
  XDG_STATE_HOME: z.string().optional(),
});

/**
 * Parses and validates the agent's environment once. Unset and empty variables take
 * their defaults; anything invalid is a ConfigError whose message names the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv, defaults: HostDefaults): AgentConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = AgentEnv.safeParse(present);
  if (!parsed.success) throw new ConfigError(`invalid environment: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  return {
    natsUrl: e.NATS_URL,
    natsPrefix: e.VIGIL_NATS_PREFIX,
    partitions: e.VIGIL_PARTITIONS,
    stateDirCandidates: e.VIGIL_AGENT_STATE_DIR
      ? [e.VIGIL_AGENT_STATE_DIR]
      : [DEFAULT_STATE_DIR, path.join(e.XDG_STATE_HOME ?? path.join(defaults.homeDir, '.local', 'state'), 'vigil-agent')],
    heartbeatMs: e.VIGIL_AGENT_HEARTBEAT_MS,
    sampleMs: e.VIGIL_AGENT_SAMPLE_MS,
    inventoryCheckMs: e.VIGIL_AGENT_INVENTORY_MS,
    labels: e.VIGIL_AGENT_LABELS,
    nodeIdOverride: e.VIGIL_AGENT_NODE_ID,
    hostname: e.VIGIL_AGENT_HOSTNAME ?? defaults.hostname,
    logLevel: e.LOG_LEVEL,
  };
}
