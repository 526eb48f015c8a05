/** What the notification pipeline hands to a receiver, and what the receiver answers. */

export interface NotifiedAlert {
  /** Stable id of the alert (rule + labels). */
  fingerprint: string;
  status: 'firing' | 'resolved';
  /** Includes alertname, severity, node (when per node). */
  labels: Record<string, string>;
  /** summary, description, ... already templated. */
  annotations: Record<string, string>;
  /** ISO 8601. */
  startsAt: string;
  /** ISO 8601, when resolved. */
  endsAt?: string;
  /** The value that fired it. */
  value?: number;
}

export interface Notification {
  /** Idempotency key: the same for every retry of this delivery. */
  id: string;
  /** Receiver name. */
  receiver: string;
  /** Firing if any alert fires. */
  status: 'firing' | 'resolved';
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  /** Link to the dashboard. */
  externalUrl?: string;
  alerts: NotifiedAlert[];
}

export interface NotifyResult {
  ok: boolean;
  /** Worth trying again later. */
  retry: boolean;
  /** From Retry-After or the provider's rate-limit answer. */
  retryAfterMs?: number;
  /** HTTP status (or SMTP code) when there was one. */
  status?: number;
  /** Human-readable, never containing a secret. */
  error?: string;
}

export interface Notifier {
  notify(n: Notification, signal: AbortSignal): Promise<NotifyResult>;
}
