import { uuidv7 } from '@vigil/contracts';
import type { Notification } from './notification';

export const TEST_ALERT_NAME = 'VigilTestNotification';

/**
 * The sample a receiver's "test send" action delivers: one firing alert that says what it is.
 * Each call is a delivery of its own, so it gets a fresh id (and fingerprint).
 */
export function testNotification(receiver: string, opts: { now?: number; externalUrl?: string } = {}): Notification {
  const now = opts.now ?? Date.now();
  const id = uuidv7(now);
  const labels = { alertname: TEST_ALERT_NAME, severity: 'info' };
  return {
    id,
    receiver,
    status: 'firing',
    groupKey: `test:${receiver}`,
    groupLabels: { alertname: TEST_ALERT_NAME },
    commonLabels: labels,
    commonAnnotations: {},
    ...(opts.externalUrl ? { externalUrl: opts.externalUrl } : {}),
    alerts: [
      {
        fingerprint: `test-${id}`,
        status: 'firing',
        labels,
        annotations: {
          summary: 'Test notification from Vigil',
          description: `If you can read this, receiver "${receiver}" is set up correctly. No action is needed.`,
        },
        startsAt: new Date(now).toISOString(),
      },
    ],
  };
}
