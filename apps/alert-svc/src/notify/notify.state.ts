import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import {
  type AlertEvent,
  type AlertHistoryReply,
  AlertHistoryRequest,
  type AlertListReply,
  type AlertView,
  CreateSilenceRequest,
  type LabelMatcher,
  ListAlertsRequest,
  ListNotificationsRequest,
  ListSilencesRequest,
  NotFoundError,
  type NotificationListReply,
  type Silence,
  SilenceAlertRequest,
  type SilenceEvent,
  silenceEvents,
  type SilenceView,
  type Context,
  uuidv7,
  type z,
  ExpireSilenceRequest,
} from '@vigil/contracts';
import { CommandHandler, commandMeta, EventStore, ProjectionRunner } from '@vigil/event-store';
import { Bus, Database, Observability } from '@vigil/platform';
import { silenceDecider } from '../domain/silence/silence.decider';
import { alertsProjection } from '../projections/alerts.projection';
import { silencesProjection } from '../projections/silences.projection';
import type { Notification } from './notification';
import type { ActiveSilence } from './pipeline/muting';
import { alertMatches } from './pipeline/routing';

interface SilenceRow {
  id: string;
  matchers: LabelMatcher[];
  starts_at: Date;
  ends_at: Date;
  created_by: string;
  comment: string;
  expired_at: Date | null;
}

interface AlertRow {
  fingerprint: string;
  rule_id: string;
  state: AlertView['state'];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  active_at: Date;
  fired_at: Date | null;
  resolved_at: Date | null;
  value: number | null;
}

/** The silences (event-sourced, with their read model) and the alert and notification history. */
@Injectable()
export class NotifyState implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly silences: ProjectionRunner<SilenceEvent>;
  readonly alerts: ProjectionRunner<AlertEvent>;
  /** Told once a silence change has committed (on every replica). */
  readonly silenceListeners: (() => void)[] = [];
  private readonly handler: CommandHandler<
    SilenceEvent,
    ReturnType<typeof silenceDecider.initialState>,
    Parameters<typeof silenceDecider.decide>[0]
  >;

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    obs: Observability,
  ) {
    const runner = (context: Context) => ({
      js: bus.js,
      dataSource: db.dataSource,
      checkpointTable: 'alerting.projection_checkpoints',
      stream: bus.topology.streams.events,
      filterSubject: bus.topology.subjects.eventsOf(context),
      dlq: bus.dlq,
      logger: obs.logger,
    });
    this.silences = new ProjectionRunner(
      runner('silence'),
      silencesProjection(() => {
        for (const l of this.silenceListeners) l();
      }),
    );
    this.alerts = new ProjectionRunner(runner('alert'), alertsProjection());
    this.handler = new CommandHandler(
      new EventStore(bus.js, bus.jsm, bus.topology, 'silence', silenceEvents),
      silenceDecider,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all([this.silences.start(), this.alerts.start()]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.silences.stop(), this.alerts.stop()]);
  }

  async createSilence(request: z.output<typeof CreateSilenceRequest>): Promise<SilenceView> {
    const now = Date.now();
    const startsAt = request.startsAt ? Date.parse(request.startsAt) : now;
    const endsAt = request.endsAt ? Date.parse(request.endsAt) : startsAt + (request.duration ?? 0);
    const silence: Silence = {
      id: uuidv7(now),
      matchers: request.matchers,
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(endsAt).toISOString(),
      createdBy: request.actor,
      comment: request.comment,
    };
    const events = await this.handler.handle(
      silence.id,
      { type: 'CreateSilence', silence, now },
      commandMeta(request.actor),
    );
    await this.silences.waitFor(events.at(-1)?.seq ?? 0, 10_000);
    return this.silence(silence.id);
  }

  /** A silence of exactly this alert: every one of its labels, for `duration` from now. */
  async silenceAlert(request: z.output<typeof SilenceAlertRequest>): Promise<SilenceView> {
    await this.alerts.catchUp(this.bus.jsm);
    const [row] = await this.db.query<{ labels: Record<string, string> }>(
      'alerts_labels',
      'SELECT labels FROM alerting.alerts WHERE fingerprint = $1',
      [request.fingerprint],
    );
    if (!row) throw new NotFoundError(`no alert ${request.fingerprint}`);
    const matchers = Object.entries(row.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, value]) => ({ label, op: '=' as const, value }));
    return this.createSilence({ matchers, duration: request.duration, comment: request.comment, actor: request.actor });
  }

  async expireSilence(request: z.output<typeof ExpireSilenceRequest>): Promise<SilenceView> {
    const events = await this.handler.handle(
      request.silenceId,
      { type: 'ExpireSilence', silenceId: request.silenceId, now: Date.now() },
      commandMeta(request.actor),
    );
    await this.silences.waitFor(events.at(-1)?.seq ?? 0, 10_000);
    return this.silence(request.silenceId);
  }

  async listSilences(request: z.output<typeof ListSilencesRequest>): Promise<{ silences: SilenceView[] }> {
    await this.silences.catchUp(this.bus.jsm);
    const rows = await this.db.query<SilenceRow>(
      'silences_list',
      `SELECT * FROM alerting.silences
       WHERE CASE $1::text
         WHEN 'expired' THEN (expired_at IS NOT NULL OR ends_at <= now())
         WHEN 'active' THEN (expired_at IS NULL AND ends_at > now() AND starts_at <= now())
         WHEN 'pending' THEN (expired_at IS NULL AND starts_at > now())
         ELSE true END
       ORDER BY ends_at DESC LIMIT $2`,
      [request.state ?? null, request.limit],
    );
    return { silences: rows.map((r) => silenceView(r, Date.now())) };
  }

  /** The silences that mute now or will (not expired), for the pipeline. */
  async unexpiredSilences(): Promise<ActiveSilence[]> {
    const rows = await this.db.query<SilenceRow>(
      'silences_unexpired',
      'SELECT * FROM alerting.silences WHERE expired_at IS NULL AND ends_at > now()',
    );
    return rows.map((r) => ({
      id: r.id,
      matchers: r.matchers,
      startsAt: r.starts_at.getTime(),
      endsAt: r.ends_at.getTime(),
    }));
  }

  async listAlerts(request: z.output<typeof ListAlertsRequest>): Promise<AlertListReply> {
    await this.alerts.catchUp(this.bus.jsm);
    const rows = await this.db.query<AlertRow>(
      'alerts_list',
      `SELECT * FROM alerting.alerts WHERE state = ANY($1) AND ($2::text IS NULL OR labels->>'node' = $2) AND ($3::text IS NULL OR rule_id = $3)
       ORDER BY active_at DESC LIMIT $4`,
      [request.state, request.node ?? null, request.ruleId ?? null, request.limit],
    );
    const silences = await this.unexpiredSilences();
    const now = Date.now();
    return {
      alerts: rows.map((r) => ({
        fingerprint: r.fingerprint,
        ruleId: r.rule_id,
        state: r.state,
        labels: r.labels,
        annotations: r.annotations,
        activeAt: r.active_at.toISOString(),
        ...(r.fired_at ? { firedAt: r.fired_at.toISOString() } : {}),
        ...(r.resolved_at ? { resolvedAt: r.resolved_at.toISOString() } : {}),
        ...(r.value === null ? {} : { value: r.value }),
        silencedBy: silences
          .filter((s) => s.startsAt <= now && now < s.endsAt && alertMatches(s.matchers, r.labels))
          .map((s) => s.id),
      })),
    };
  }

  async history(request: z.output<typeof AlertHistoryRequest>): Promise<AlertHistoryReply> {
    await this.alerts.catchUp(this.bus.jsm);
    const rows = await this.db.query<{
      seq: string;
      type: AlertEvent['type'];
      fingerprint: string;
      rule_id: string;
      labels: Record<string, string>;
      at: Date;
      value: number | null;
      reason: string | null;
    }>(
      'alerts_history',
      `SELECT * FROM alerting.alert_history
       WHERE ($1::text IS NULL OR fingerprint = $1) AND ($2::text IS NULL OR rule_id = $2) AND ($3::text IS NULL OR labels->>'node' = $3)
         AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
       ORDER BY seq DESC LIMIT $6`,
      [
        request.fingerprint ?? null,
        request.ruleId ?? null,
        request.node ?? null,
        request.since ?? null,
        request.until ?? null,
        request.limit,
      ],
    );
    return {
      events: rows.map((r) => ({
        seq: Number(r.seq),
        type: r.type,
        fingerprint: r.fingerprint,
        ruleId: r.rule_id,
        labels: r.labels,
        at: r.at.toISOString(),
        ...(r.value === null ? {} : { value: r.value }),
        ...(r.reason === null ? {} : { reason: r.reason }),
      })),
    };
  }

  async notifications(request: z.output<typeof ListNotificationsRequest>): Promise<NotificationListReply> {
    const rows = await this.db.query<{
      id: string;
      receiver: string;
      group_key: string;
      status: 'firing' | 'resolved';
      state: 'pending' | 'delivered' | 'failed';
      attempts: number;
      last_status: number | null;
      last_error: string | null;
      created_at: Date;
      delivered_at: Date | null;
      payload: Notification;
    }>(
      'notifications_list',
      `SELECT * FROM alerting.notifications
       WHERE ($1::text IS NULL OR receiver = $1) AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR group_key = $3)
         AND ($4::text IS NULL OR payload->'alerts' @> jsonb_build_array(jsonb_build_object('fingerprint', $4::text)))
         AND ($5::timestamptz IS NULL OR created_at >= $5) AND ($6::timestamptz IS NULL OR created_at < $6)
       ORDER BY created_at DESC, id DESC LIMIT $7`,
      [
        request.receiver ?? null,
        request.state ?? null,
        request.groupKey ?? null,
        request.fingerprint ?? null,
        request.since ?? null,
        request.until ?? null,
        request.limit,
      ],
    );
    return {
      notifications: rows.map((r) => ({
        id: r.id,
        receiver: r.receiver,
        groupKey: r.group_key,
        status: r.status,
        state: r.state,
        attempts: r.attempts,
        ...(r.last_status === null ? {} : { lastStatus: r.last_status }),
        ...(r.last_error === null ? {} : { lastError: r.last_error }),
        createdAt: r.created_at.toISOString(),
        ...(r.delivered_at ? { deliveredAt: r.delivered_at.toISOString() } : {}),
        alerts: r.payload.alerts.map((a) => ({ fingerprint: a.fingerprint, status: a.status, labels: a.labels })),
      })),
    };
  }

  private async silence(id: string): Promise<SilenceView> {
    const [row] = await this.db.query<SilenceRow>('silences_get', 'SELECT * FROM alerting.silences WHERE id = $1', [
      id,
    ]);
    if (!row) throw new NotFoundError(`no silence ${id}`);
    return silenceView(row, Date.now());
  }
}

function silenceView(r: SilenceRow, now: number): SilenceView {
  const ended = r.expired_at !== null || r.ends_at.getTime() <= now;
  return {
    id: r.id,
    matchers: r.matchers,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    createdBy: r.created_by,
    comment: r.comment,
    state: ended ? 'expired' : r.starts_at.getTime() > now ? 'pending' : 'active',
    ...(r.expired_at ? { expiredAt: r.expired_at.toISOString() } : {}),
  };
}
