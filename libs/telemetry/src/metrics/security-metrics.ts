import { ViolationReason } from '@vigil/contracts';
import { Counter, type Registry } from 'prom-client';
import { singleMetric } from './single-metric';

/** Agent messages refused for their identity, every reason pre-created at zero. */
export function createSecurityMetrics(registry: Registry): { violations: Counter<'reason'> } {
  const violations = singleMetric(
    registry,
    'vigil_security_violations_total',
    Counter<'reason'>,
    () =>
      new Counter({
        name: 'vigil_security_violations_total',
        help: 'Agent messages refused because they could not prove the identity they claim, by reason',
        labelNames: ['reason'],
        registers: [registry],
      }),
  );
  for (const reason of ViolationReason.options) violations.inc({ reason }, 0);
  return { violations };
}
