import { Injectable } from '@nestjs/common';
import {
  INVALID_SILENCE_EFFECT,
  type LabelMatcher,
  type ListSilencesRequest,
  NotFoundError,
  type SilenceEvent,
  type SilenceView,
  storedSilenceProblem,
  type z,
} from '@vigil/contracts';
import { Bus, Database, Observability, ReadModel } from '@vigil/platform';
import { Gauge } from 'prom-client';
import { silencesProjection } from './silences.projection';

interface SilenceRow {
  id: string;
  matchers: LabelMatcher[];
  starts_at: Date;
  ends_at: Date;
  created_by: string;
  comment: string;
  expired_at: Date | null;
  expired_by: string | null;
}

/** A silence as the pipeline checks it (times in Unix ms). */
export interface ActiveSilence {
  id: string;
  matchers: LabelMatcher[];
  startsAt: number;
  endsAt: number;
}

/**
 * The silences read model (`alerting.silences`), kept by this replica's projection runner. A
 * stored silence today's contract refuses (a pattern RE2 refuses) is listed with `invalid` saying
 * why, logged when its event is applied and counted in `vigil_alert_silences_invalid`; it is
 * never handed to the pipeline (`unexpired`), so it silences nothing, and it can be expired.
 */
@Injectable()
export class SilenceQueries extends ReadModel<SilenceEvent> {
  private readonly invalidSilences: Gauge;

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    obs: Observability,
  ) {
    // Subscribers hear of each committed silence change (on every replica).
    super({ bus, db, obs }, 'alerting', 'silence', (changed) =>
      silencesProjection(changed, (silence, problem) =>
        obs.logger.warn({ silence, problem }, 'stored silence refused by the contract: kept, silences nothing'),
      ),
    );
    this.invalidSilences =
      (obs.registry.getSingleMetric('vigil_alert_silences_invalid') as Gauge | undefined) ??
      new Gauge({
        name: 'vigil_alert_silences_invalid',
        help: 'Unexpired stored silences the contract refuses today (listed as invalid, silencing nothing)',
        registers: [obs.registry],
      });
  }

  /** Settles once this replica's read model has applied the stream up to `seq`. */
  waitFor(seq: number, timeoutMs: number): Promise<void> {
    return this.runner.waitFor(seq, timeoutMs);
  }

  async list(request: z.output<typeof ListSilencesRequest>): Promise<{ silences: SilenceView[] }> {
    await this.runner.catchUp(this.bus.jsm);
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
  async unexpired(): Promise<ActiveSilence[]> {
    const rows = await this.db.query<SilenceRow>(
      'silences_unexpired',
      'SELECT * FROM alerting.silences WHERE expired_at IS NULL AND ends_at > now()',
    );
    const valid = rows.filter((r) => invalidSilence(r) === undefined);
    this.invalidSilences.set(rows.length - valid.length);
    return valid.map((r) => ({
      id: r.id,
      matchers: r.matchers,
      startsAt: r.starts_at.getTime(),
      endsAt: r.ends_at.getTime(),
    }));
  }

  async get(id: string): Promise<SilenceView> {
    const [row] = await this.db.query<SilenceRow>('silences_get', 'SELECT * FROM alerting.silences WHERE id = $1', [
      id,
    ]);
    if (!row) throw new NotFoundError(`no silence ${id}`);
    return silenceView(row, Date.now());
  }
}

/** Why today's contract refuses a stored silence, and that it silences nothing; undefined when it is valid. */
function invalidSilence(r: SilenceRow): string | undefined {
  const problem = storedSilenceProblem({
    id: r.id,
    matchers: r.matchers,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    createdBy: r.created_by,
    comment: r.comment,
  });
  return problem === undefined ? undefined : `${problem} (${INVALID_SILENCE_EFFECT})`;
}

function silenceView(r: SilenceRow, now: number): SilenceView {
  const ended = r.expired_at !== null || r.ends_at.getTime() <= now;
  const invalid = invalidSilence(r);
  return {
    id: r.id,
    matchers: r.matchers,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    createdBy: r.created_by,
    comment: r.comment,
    state: ended ? 'expired' : r.starts_at.getTime() > now ? 'pending' : 'active',
    ...(r.expired_at ? { expiredAt: r.expired_at.toISOString() } : {}),
    ...(r.expired_by ? { expiredBy: r.expired_by } : {}),
    ...(invalid === undefined ? {} : { invalid }),
  };
}
