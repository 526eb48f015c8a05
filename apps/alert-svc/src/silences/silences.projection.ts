import { type SilenceEvent, silenceEvents, storedSilenceProblem } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/**
 * `alerting.silences`: every silence, with when and by whom it was expired. `onChange` runs after
 * commit. A silence today's contract refuses (stored under an earlier one) is kept as stored, and
 * `onInvalid` told why (the read model lists it as invalid and never lets it mute anything).
 */
export const silencesProjection = (
  onChange: () => void,
  onInvalid: (silenceId: string, problem: string) => void = () => undefined,
): Projection<SilenceEvent> => ({
  name: 'alerting-silences',
  catalog: silenceEvents,
  async apply(event: StoredEvent<SilenceEvent>, tx: EntityManager): Promise<void> {
    switch (event.type) {
      case 'silence.created': {
        const s = event.data.silence;
        const problem = storedSilenceProblem(s);
        if (problem) onInvalid(s.id, problem);
        await tx.query(
          `INSERT INTO alerting.silences (id, matchers, starts_at, ends_at, created_by, comment, created_at, last_event_seq)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
          [s.id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.createdBy, s.comment, event.occurredAt, event.seq],
        );
        break;
      }
      case 'silence.expired':
        await tx.query(
          'UPDATE alerting.silences SET expired_at = $2, expired_by = $3, last_event_seq = $4 WHERE id = $1',
          [event.data.silenceId, event.data.at, event.meta.actor, event.seq],
        );
        break;
      default: {
        const never: never = event;
        return never;
      }
    }
  },
  afterCommit(): void {
    onChange();
  },
  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE alerting.silences');
  },
});
