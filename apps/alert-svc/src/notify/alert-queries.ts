import { Injectable } from '@nestjs/common';
import {
  type AlertEvent,
  type AlertHistoryReply,
  type AlertHistoryRequest,
  type AlertListReply,
  type AlertView,
  type ListAlertsRequest,
  NotFoundError,
  type z,
} from '@vigil/contracts';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import { alertsProjection } from './alerts.projection';
import { SilenceQueries } from '../silences/silences.read-model';
import { alertMatches } from './pipeline/routing';

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

/** The alerts read model (`alerting.alerts` and `alerting.alert_history`), kept by this replica's projection runner. */
@Injectable()
export class AlertQueries extends ReadModel<AlertEvent> {
  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    obs: Observability,
    private readonly silences: SilenceQueries,
  ) {
    super({ bus, db, obs }, 'alerting', 'alert', alertsProjection);
  }

  /** The labels of one alert, once the read model has applied every alert event the stream holds now. */
  async labelsOf(fingerprint: string): Promise<Record<string, string>> {
    await this.runner.catchUp(this.bus.jsm);
    const [row] = await this.db.query<{ labels: Record<string, string> }>(
      'alerts_labels',
      'SELECT labels FROM alerting.alerts WHERE fingerprint = $1',
      [fingerprint],
    );
    if (!row) throw new NotFoundError(`no alert ${fingerprint}`);
    return row.labels;
  }

  async list(request: z.output<typeof ListAlertsRequest>): Promise<AlertListReply> {
    await this.runner.catchUp(this.bus.jsm);
    const rows = await this.db.query<AlertRow>(
      'alerts_list',
      `SELECT * FROM alerting.alerts WHERE state = ANY($1) AND ($2::text IS NULL OR labels->>'node' = $2) AND ($3::text IS NULL OR rule_id = $3)
       ORDER BY active_at DESC LIMIT $4`,
      [request.state, request.node ?? null, request.ruleId ?? null, request.limit],
    );
    const silences = await this.silences.unexpired();
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
    await this.runner.catchUp(this.bus.jsm);
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

  /** Deletes the history older than `before`, and the alerts resolved before it. */
  async expire(before: Date): Promise<void> {
    await this.db.query('alert_history_expire', 'DELETE FROM alerting.alert_history WHERE at < $1', [before]);
    await this.db.query('alerts_expire', "DELETE FROM alerting.alerts WHERE state = 'resolved' AND resolved_at < $1", [
      before,
    ]);
  }
}
