import * as z from 'zod';
import { Duration } from '../duration';
import { LabelMatcher } from '../metrics/metrics.queries';
import { boundedRecord, LabelName, overLimit, REQUEST_LIMITS } from '../request-limits';
import { ReceiverConfig } from './receivers.schema';

/**
 * Where alert-svc sends notifications (`VIGIL_ALERT_NOTIFY_CONFIG`, a YAML or JSON file): the
 * receivers by name, a routing tree of label matchers (Alertmanager's semantics: the first
 * matching child wins unless it says `continue`; a child inherits what it leaves unset), and
 * inhibition rules. Validation errors name the field (`route.routes.1.receiver: ...`).
 */

/**
 * Label matchers: `[{ label, op, value }]`, or a map of label to value for the common case of
 * equality (`{ severity: critical }`).
 */
export const Matchers = z
  .union([
    z.array(LabelMatcher).max(REQUEST_LIMITS.matchers, overLimit('matchers', 'number of matchers')),
    boundedRecord(LabelName, z.string().max(REQUEST_LIMITS.label_value_chars), 'matchers'),
  ])
  .transform((m): LabelMatcher[] =>
    Array.isArray(m) ? m : Object.entries(m).map(([label, value]) => ({ label, op: '=' as const, value })),
  );
export type Matchers = z.output<typeof Matchers>;

const ReceiverName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, "_", "." or "-"');

/** `['...']` groups by every label: each alert its own group. */
const GroupBy = z.union([z.tuple([z.literal('...')]), z.array(LabelName).max(20)]);

export const DEFAULT_GROUP_WAIT_MS = 0;
export const DEFAULT_GROUP_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000;

export interface RouteInput {
  receiver?: string;
  matchers?: z.input<typeof Matchers>;
  continue?: boolean;
  groupBy?: string[];
  groupWait?: number | string;
  groupInterval?: number | string;
  repeatInterval?: number | string;
  /** Mute this route's notifications; alerts still fire and show in history. */
  muted?: boolean;
  routes?: RouteInput[];
}

export interface Route {
  receiver?: string;
  matchers: LabelMatcher[];
  continue: boolean;
  groupBy?: string[];
  groupWait?: number;
  groupInterval?: number;
  repeatInterval?: number;
  muted?: boolean;
  routes: Route[];
}

export const Route: z.ZodType<Route, RouteInput> = z.lazy(() =>
  z.strictObject({
    receiver: ReceiverName.optional(),
    matchers: Matchers.default([]),
    continue: z.boolean().default(false),
    groupBy: GroupBy.optional(),
    /** How long a new group waits for more alerts before its first notification (0: none). */
    groupWait: Duration.optional(),
    /** How long a group waits before notifying about alerts added to it or resolved. */
    groupInterval: Duration.refine((ms) => ms >= 1000, 'must be at least 1s').optional(),
    /** How long before an unchanged firing group is notified again. */
    repeatInterval: Duration.refine((ms) => ms >= 60_000, 'must be at least 1m').optional(),
    muted: z.boolean().optional(),
    routes: z.array(Route).max(100).default([]),
  }),
);

/**
 * A firing alert matching `source` mutes every alert matching `target` that has the same values
 * of the `equal` labels (a critical alert mutes the warning of the same node and alertname).
 */
export const InhibitRule = z.strictObject({
  source: Matchers,
  target: Matchers,
  equal: z.array(LabelName).max(20).default([]),
});
export type InhibitRule = z.infer<typeof InhibitRule>;

export const NotifyConfig = z
  .strictObject({
    receivers: z.record(ReceiverName, ReceiverConfig).default({}),
    /** The root route: it matches every alert and gives the defaults its children inherit. */
    route: Route.optional(),
    inhibitRules: z.array(InhibitRule).max(100).default([]),
    /** The dashboard's address, linked from notifications. */
    externalUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((config, ctx) => {
    if (!config.route) return;
    if (!config.route.receiver)
      ctx.addIssue({ code: 'custom', path: ['route', 'receiver'], message: 'the root route needs a receiver' });
    if (config.route.matchers.length > 0)
      ctx.addIssue({ code: 'custom', path: ['route', 'matchers'], message: 'the root route matches every alert' });
    const walk = (route: Route, path: (string | number)[]): void => {
      if (route.receiver && !(route.receiver in config.receivers)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'receiver'], message: `unknown receiver "${route.receiver}"` });
      }
      route.routes.forEach((child, i) => walk(child, [...path, 'routes', i]));
    };
    walk(config.route, ['route']);
  });
export type NotifyConfig = z.infer<typeof NotifyConfig>;
export type NotifyConfigInput = z.input<typeof NotifyConfig>;
