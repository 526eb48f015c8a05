/** Types of chaos.js (the chaos run's driver). */
import type { AlertFindings, NotificationFindings, RegistryFindings, SampleFindings } from './ledger';

export interface ChaosStep {
  kind: 'kill' | 'pause' | 'restart';
  target: string;
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
  minutes?: number;
  steps?: ChaosStep[];
  bucketed?: boolean;
  cycleGapMs?: number;
  log?: (line: string) => void;
}
export interface ChaosReport {
  passed: boolean;
  failures: string[];
  durationMs: number;
  cycles: number;
  nodes: number;
  ledger: { batches: number; samples: number; heartbeats: number; ruleChanges: number; hotNodes: number };
  fleet: { publishFailuresRetried: number };
  samples: SampleFindings;
  registry: RegistryFindings;
  alerts: AlertFindings;
  notifications: NotificationFindings;
  rules: { applied: { at: number; rules: string[] }[]; missing: string[] };
  steps: (ChaosStep & { ms: number; backlog: number })[];
  observations: {
    unexpectedExits: { service: string; code: number | null; during: string; log: string[] }[];
    readyDuringOutage: { dependency: string; ready: string[] }[];
    slowestRecovery: number;
  };
}
export const SERVICES: { name: string; portVar: string }[];
export function cycleSteps(): ChaosStep[];
export function runChaos(options?: ChaosOptions, hooks?: Record<string, unknown>): Promise<ChaosReport>;
export function formatReport(report: ChaosReport): string;
