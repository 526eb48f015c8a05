import type { Notification } from '../../notification';

/** The body's `version`: a change that breaks a consumer gets a new one. */
export const WEBHOOK_PAYLOAD_VERSION = '1';

/** The JSON a generic webhook receives: the notification as the pipeline built it, versioned. */
export interface WebhookPayload extends Notification {
  version: typeof WEBHOOK_PAYLOAD_VERSION;
}

export function webhookPayload(n: Notification): WebhookPayload {
  return {
    version: WEBHOOK_PAYLOAD_VERSION,
    id: n.id,
    receiver: n.receiver,
    status: n.status,
    groupKey: n.groupKey,
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    commonAnnotations: n.commonAnnotations,
    ...(n.externalUrl === undefined ? {} : { externalUrl: n.externalUrl }),
    alerts: n.alerts.map((a) => ({
      fingerprint: a.fingerprint,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      ...(a.endsAt === undefined ? {} : { endsAt: a.endsAt }),
      ...(a.value === undefined ? {} : { value: a.value }),
    })),
  };
}
