/** Types of ledger.js (the chaos run's independent ledger and its comparisons). */
export const BUCKET_MS: number;

export interface LedgerBatch {
  nodeId: string;
  seq: number;
  timestamp: number;
  intervalMs: number;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}
export interface Aggregate {
  count: number;
  sum: number;
}

export class Ledger {
  constructor(options?: { bucketed?: boolean });
  readonly bucketed: boolean;
  readonly samples: Map<string, Aggregate>;
  readonly totalSamples: number;
  readonly batches: number;
  readonly heartbeats: Map<string, { sentAt: number; ackedAt: number; count: number }>;
  readonly ruleChanges: { at: number; rules: string[] }[];
  readonly hotSince: Map<string, number>;
  recordBatch(batch: LedgerBatch): void;
  recordHeartbeat(nodeId: string, sentAtMs: number, ackedAtMs: number): void;
  recordRuleChange(ruleIds: string[], atMs: number): void;
  recordHot(nodeId: string, sinceMs: number): void;
}

export function seriesKey(nodeId: string, metric: string, labels: Record<string, string>): string;

interface Findings {
  examples: string[];
}
export interface SampleFindings extends Findings {
  expected: number;
  stored: number;
  lost: number;
  countedTwice: number;
  sumMismatches: number;
}
export interface RegistryFindings extends Findings {
  expected: number;
  missing: number;
  notOnline: number;
  staleLastSeen: number;
}
export interface AlertFindings extends Findings {
  expected: number;
  lost: number;
  unexpected: number;
  falselyResolved: number;
  duplicated: number;
}
export interface NotificationFindings extends Findings {
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  allowedRepeats: number;
  keyMismatches: number;
  unexpected: number;
}
export interface ReceivedNotification {
  id: string;
  idempotencyKey: string | undefined;
  groupKey: string;
  status: string;
  node: string;
}

export function compareSamples(ledger: Ledger, stored: Map<string, Aggregate>): SampleFindings;
export function compareRegistry(
  ledger: Ledger,
  nodes: Map<string, { status: string; lastSeenAt: number | null }>,
  slackMs?: number,
): RegistryFindings;
export function compareAlerts(ledger: Ledger, history: { node: string; type: string }[]): AlertFindings;
export function compareNotifications(ledger: Ledger, received: ReceivedNotification[]): NotificationFindings;
export function failures(result: {
  samples: SampleFindings;
  registry: RegistryFindings;
  alerts: AlertFindings;
  notifications: NotificationFindings;
  rules?: { missing: string[] };
  recovery?: { service: string; after: string; resumed: boolean }[];
  unexpectedExits?: { service: string; code: number | null; during: string }[];
  unpublished?: number;
}): string[];
