import { type SilenceEvent, silenceEvents } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/** `alerting.silences`: every silence, with when and by whom it was expired. `onChange` runs after commit. */
export const silencesProjection = (onChange: () => void): Projection<SilenceEvent> => ({
  name: 'alerting-silences',
  catalog: silenceEvents,
  async apply(event: StoredEvent<SilenceEvent>, tx: EntityManager): Promise<void> {
    switch (event.type) {
      case 'silence.created': {
        const s = event.data.silence;
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
