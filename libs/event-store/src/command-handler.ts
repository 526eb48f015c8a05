import { ConcurrencyError, type DomainEvent, type EventMeta, uuidv7 } from '@vigil/contracts';
import { currentTraceId } from '@vigil/telemetry';
import type { EventStore, NewEvent, StoredEvent } from './event-store';

/** The meta of a command someone asked for: correlated by the request's trace, with its actor. */
export function commandMeta(actor: string): EventMeta {
  return { correlationId: currentTraceId() ?? uuidv7(), causationId: null, actor };
}

export interface Decider<E extends DomainEvent, S, C> {
  decide(command: C, state: S): NewEvent<E>[];
  evolve(state: S, event: E): S;
  initialState(): S;
}

const MAX_ATTEMPTS = 5;

/**
 * Runs a command against one aggregate: read its events, fold them into state,
 * decide, append expecting the sequence read. When another writer got there first,
 * read again and decide again against the fresh state.
 */
export class CommandHandler<E extends DomainEvent, S, C> {
  constructor(
    private readonly store: EventStore<E>,
    private readonly decider: Decider<E, S, C>,
  ) {}

  async handle(aggregateId: string, command: C, meta: EventMeta): Promise<StoredEvent<E>[]> {
    for (let attempt = 1; ; attempt++) {
      const { events, lastSeq } = await this.store.read(aggregateId);
      const state = events.reduce(this.decider.evolve, this.decider.initialState());
      const decided = this.decider.decide(command, state);
      if (decided.length === 0) return [];
      try {
        return (await this.store.append(aggregateId, decided, lastSeq, meta)).events;
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw e;
      }
    }
  }
}
