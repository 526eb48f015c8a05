import * as z from 'zod';
import { IsoTimestamp } from '../common.schema';
import { Duration } from '../duration';
import { defineEvent, EventCatalog, type EventOf } from '../events/catalog';
import { LabelMatcher } from '../metrics/metrics.queries';
import { LABEL_NAME_PATTERN } from '../patterns';
import { describeIssues } from '../validation';
import { Matchers } from './notify-config.schema';

/**
 * Silences mute the notifications of the alerts they match from `startsAt` until `endsAt` (or
 * until someone expires them). Event-sourced (`events.silence.<id>`); the alerts still fire and
 * show in the history.
 */
export const SilenceId = z.uuid();
const Actor = z.string().min(1).max(256);
const Comment = z.string().trim().min(1, 'say why').max(1000);

const silenceShape = (matcher: z.ZodType<LabelMatcher>) => ({
  id: SilenceId,
  matchers: z.array(matcher).min(1).max(20),
  startsAt: IsoTimestamp,
  endsAt: IsoTimestamp,
  createdBy: Actor,
  comment: Comment,
});

export const Silence = z.object(silenceShape(LabelMatcher));
export type Silence = z.infer<typeof Silence>;

/**
 * A matcher as an earlier contract stored it: any pattern (before patterns went through RE2,
 * a backreference or a lookahead was taken). Whether it is valid today is `storedSilenceProblem`.
 */
const StoredMatcher = z.object({
  label: z.string().regex(LABEL_NAME_PATTERN, 'invalid label name'),
  op: LabelMatcher.shape.op,
  value: z.string(),
});
const storedShape = silenceShape(StoredMatcher);

/**
 * A silence as stored earlier (silence events, the read model): Silence's shape with the checks
 * added since (RE2 patterns, REQUEST_LIMITS on matchers) left out, so a silence the contract
 * refuses today is still read, listed as invalid and can be expired. An invalid one silences nothing.
 */
export const StoredSilence = z.object(storedShape) as unknown as z.ZodType<Silence, unknown>;

/** What a silence today's contract refuses is shown with: why, and that it mutes nothing. */
export const INVALID_SILENCE_EFFECT = 'this silence silences nothing; expire it and create a valid one';

/** Why a stored silence is refused by today's contract (the fields and why), or undefined when it is valid. */
export function storedSilenceProblem(silence: Silence): string | undefined {
  const r = Silence.safeParse(silence);
  return r.success ? undefined : describeIssues(r.error);
}

export const SilenceCreated = defineEvent('silence.created', {
  version: 1,
  schema: z.object({ silence: StoredSilence }),
});
/** Ended before its `endsAt` by an operator. */
export const SilenceExpired = defineEvent('silence.expired', {
  version: 1,
  schema: z.object({ silenceId: SilenceId, at: IsoTimestamp }),
});
export type SilenceCreatedEvent = EventOf<typeof SilenceCreated>;
export type SilenceExpiredEvent = EventOf<typeof SilenceExpired>;
export type SilenceEvent = SilenceCreatedEvent | SilenceExpiredEvent;
export const silenceEvents = new EventCatalog<SilenceEvent>([SilenceCreated, SilenceExpired]);

/** Give `endsAt` or `duration` (from `startsAt`, which defaults to now). */
export const CreateSilenceRequest = z
  .object({
    matchers: Matchers.refine((m) => m.length > 0, 'needs at least one matcher'),
    startsAt: IsoTimestamp.optional(),
    endsAt: IsoTimestamp.optional(),
    duration: Duration.refine((ms) => ms >= 1000, 'must be at least 1s').optional(),
    comment: Comment,
    actor: Actor,
  })
  .refine((r) => (r.endsAt === undefined) !== (r.duration === undefined), {
    message: 'give endsAt or duration',
    path: ['endsAt'],
  });
export type CreateSilenceRequest = z.input<typeof CreateSilenceRequest>;

/** Silence one alert (all its labels), for `duration`. */
export const SilenceAlertRequest = z.object({
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/, 'must be an alert fingerprint'),
  duration: Duration.refine((ms) => ms >= 1000, 'must be at least 1s').default(2 * 3_600_000),
  comment: Comment,
  actor: Actor,
});
export type SilenceAlertRequest = z.input<typeof SilenceAlertRequest>;

export const ExpireSilenceRequest = z.object({ silenceId: SilenceId, actor: Actor });

export const SilenceState = z.enum(['pending', 'active', 'expired']);
export const SilenceView = z.object({
  ...storedShape,
  state: SilenceState,
  expiredAt: IsoTimestamp.optional(),
  /** Who expired it (an operator's "expire"). */
  expiredBy: Actor.optional(),
  /**
   * Set for a silence stored under an earlier contract that today's refuses: why (naming the
   * field), and that it silences nothing (INVALID_SILENCE_EFFECT).
   */
  invalid: z.string().max(4096).optional(),
});
export type SilenceView = z.infer<typeof SilenceView>;

export const ListSilencesRequest = z.object({
  state: SilenceState.optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});
export const SilenceListReply = z.object({ silences: z.array(SilenceView) });
export type SilenceListReply = z.infer<typeof SilenceListReply>;

export const silenceOperations = {
  create: {
    kind: 'cmd',
    context: 'alerting',
    what: 'silence-create',
    request: CreateSilenceRequest,
    reply: SilenceView,
  },
  fromAlert: {
    kind: 'cmd',
    context: 'alerting',
    what: 'silence-alert',
    request: SilenceAlertRequest,
    reply: SilenceView,
  },
  expire: {
    kind: 'cmd',
    context: 'alerting',
    what: 'silence-expire',
    request: ExpireSilenceRequest,
    reply: SilenceView,
  },
  list: {
    kind: 'qry',
    context: 'alerting',
    what: 'silences-list',
    request: ListSilencesRequest,
    reply: SilenceListReply,
  },
} as const;
