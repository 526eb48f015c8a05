/// <reference types="jest" />
import type { DomainEvent } from '@vigil/contracts';

/** An event as a decider returns it, before the store gives it an envelope (event-store's NewEvent). */
export type Decided<E extends DomainEvent> = E extends DomainEvent ? { type: E['type']; data: E['data'] } : never;

/** An aggregate's three pure functions, the shape of event-store's Decider. */
export interface DeciderUnderTest<C, S, E extends DomainEvent> {
  decide(command: C, state: S): Decided<E>[];
  evolve(state: S, event: E): S;
  initialState(): S;
}

/** The envelope the history of a spec is stored with (the same for every event of it). */
export interface StoredAs {
  subject: string;
  occurredAt: string;
  actor: string;
}

/**
 * Specifications of a decider that read as given/when/then:
 *
 *   given(created).when({ type: 'DisableRule', ruleId }).then([disabled]);
 *   given().when({ type: 'EnableRule', ruleId }).thenThrows(/no alert rule/);
 *
 * `given` stores its events (numbered ids, version 1, the envelope of `storedAs`) and folds
 * them into the state the command is decided on; that state is there for specs that look at it.
 */
export function deciderSpec<C, S, E extends DomainEvent>(decider: DeciderUnderTest<C, S, E>, storedAs: StoredAs) {
  const stored = (history: Decided<E>[]): E[] =>
    history.map(
      (e, i) =>
        ({
          ...e,
          id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
          version: 1,
          subject: storedAs.subject,
          occurredAt: storedAs.occurredAt,
          meta: { correlationId: 'c', causationId: null, actor: storedAs.actor },
        }) as unknown as E,
    );
  return {
    given(...history: Decided<E>[]) {
      const state = stored(history).reduce(decider.evolve, decider.initialState());
      return {
        state,
        when: (command: C) => ({
          then: (expected: Decided<E>[]) => expect(decider.decide(command, state)).toEqual(expected),
          thenThrows: (error: Parameters<jest.Matchers<void>['toThrow']>[0]) =>
            expect(() => decider.decide(command, state)).toThrow(error),
        }),
      };
    },
  };
}
