/** Types of chaos.js (the chaos run's driver). */
import type { AlertFindings, NotificationFindings, RegistryFindings, SampleFindings } from './ledger';

export interface ChaosStep {
  kind: 'kill' | 'pause' | 'restart' | 'cold-start';
  /** The process killed or paused, or the dependency restarted. */
  target: string;
  /** cold-start: the process (re)started while `target` is down. */
  service?: string;
}
export interface ChaosOptions {
  nodes?: number;
  hot?: number;
  partitions?: number;
  leaseMs?: number;
  outageMs?: number;
  calmMs?: number;
  readyTimeoutMs?: number;
  settleTimeoutMs?: number;
  drainTimeoutMs?: number;
  minutes?: number;
  steps?: ChaosStep[];
  bucketed?: boolean;
  heartbeatMs?: number;
  schedule?: (ctx: {
    platform: unknown;
    fleet: unknown;
    runStep: (step: ChaosStep) => Promise<void>;
    midRun: () => Promise<void>;
    started: number;
  }) => Promise<number>;
  log?: (line: string) => void;
}
export interface ChaosReport {
  passed: boolean;
  failures: string[];
  durationMs: number;
  cycles: number;
  nodes: number;
  ledger: { batches: number; samples: number; heartbeats: number; ruleChanges: number; hotNodes: number };
  fleet: { publishFailuresRetried: number; unpublished: number };
  samples: SampleFindings;
  registry: RegistryFindings;
  alerts: AlertFindings;
  notifications: NotificationFindings;
  rules: { applied: { at: number; rules: string[] }[]; missing: string[] };
  steps: (ChaosStep & { ms: number; backlog: number })[];
  observations: {
    unexpectedExits: { service: string; code: number | null; during: string; log: string[] }[];
    readyDuringOutage: { dependency: string; ready: string[] }[];
    /** Processes started while a dependency was down: whether they logged that they wait for it, or exited. */
    coldStarts: { service: string; dependency: string; waited: boolean; exited: boolean }[];
    slowestRecovery: number;
  };
}
export const SERVICES: { name: string; app: string; portVar: string }[];
export function cycleSteps(): ChaosStep[];
export function ciSteps(): ChaosStep[];
export function runChaos(options?: ChaosOptions): Promise<ChaosReport>;
export function formatReport(report: ChaosReport): string;
export function stopAll(): Promise<void>;
