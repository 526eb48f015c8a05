import { type RuleEvent, ruleEvents, storedRuleProblem } from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { EntityManager } from 'typeorm';

/**
 * `alerting.rules`: every rule not deleted, as its last event left it, with who changed it
 * last. `onChange` runs once an event's transaction has committed (the evaluator reloads).
 * A rule today's contract refuses (stored under an earlier one) is kept as stored, and
 * `onInvalid` told why (the read model marks it, the evaluator leaves it out).
 */
export const rulesProjection = (
  onChange: (ruleId: string) => void,
  onInvalid: (ruleId: string, problem: string) => void = () => undefined,
): Projection<RuleEvent> => ({
  name: 'alerting-rules',
  catalog: ruleEvents,
  async apply(event: StoredEvent<RuleEvent>, tx: EntityManager): Promise<void> {
    const by = event.meta.actor;
    switch (event.type) {
      case 'rule.created':
      case 'rule.updated': {
        const { rule } = event.data;
        const problem = storedRuleProblem(rule);
        if (problem) onInvalid(rule.id, problem);
        await tx.query(
          `INSERT INTO alerting.rules (id, rule, enabled, version, created_at, updated_at, updated_by, last_event_seq)
           VALUES ($1, $2, $3, 1, $4, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET rule = $2, enabled = $3, version = alerting.rules.version + 1,
             updated_at = $4, updated_by = $5, last_event_seq = $6`,
          [rule.id, JSON.stringify(rule), rule.enabled, event.occurredAt, by, event.seq],
        );
        break;
      }
      case 'rule.enabled':
      case 'rule.disabled': {
        const enabled = event.type === 'rule.enabled';
        await tx.query(
          `UPDATE alerting.rules SET enabled = $2, rule = jsonb_set(rule, '{enabled}', to_jsonb($2::boolean)),
             version = version + 1, updated_at = $3, updated_by = $4, last_event_seq = $5
           WHERE id = $1`,
          [event.data.ruleId, enabled, event.occurredAt, by, event.seq],
        );
        break;
      }
      case 'rule.deleted':
        await tx.query('DELETE FROM alerting.rules WHERE id = $1', [event.data.ruleId]);
        break;
      default: {
        const never: never = event;
        return never;
      }
    }
  },
  afterCommit(event: StoredEvent<RuleEvent>): void {
    onChange('rule' in event.data ? event.data.rule.id : event.data.ruleId);
  },
  async reset(tx: EntityManager): Promise<void> {
    await tx.query('TRUNCATE alerting.rules');
  },
});
