import {
  type Context,
  decodeJson,
  type DomainEvent,
  type EventCatalog,
  EventEnvelope,
  ValidationError,
} from '@vigil/contracts';
import type { Projection, StoredEvent } from '@vigil/event-store';
import type { ParkedMessage, RedriveHandler } from '@vigil/messaging';
import type { EntityManager } from 'typeorm';
import type { Database } from './infra';

/** How often a redrive forgets the old records (see `prune`). */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * A service's durable record of the parked messages a redrive applied (`<schema>.dlq_redriven`:
 * stream, stream_seq, dlq_seq, actor, redriven_at), keyed by the original's place in its stream.
 * `once` claims the message and applies it in one transaction: the claim's row lock makes a
 * concurrent redrive of the same message wait and then find it taken, and an apply that fails
 * rolls the claim back (the message stays parked and may be redriven again).
 *
 * What the apply writes to Postgres commits with the claim. What it sends elsewhere (an event
 * appended to the EVENTS stream) is not in the transaction: a crash between that append and the
 * commit leaves no record, and a second redrive applies it again. Every apply given to `once`
 * must therefore be idempotent for that window (the registry's commands decide on the node's
 * state, so a heartbeat or an inventory applied twice appends nothing the second time).
 */
export class RedriveLedger {
  readonly table: string;
  private prunedAt = 0;

  constructor(
    private readonly db: Database,
    schema: string,
  ) {
    this.table = `${schema}.dlq_redriven`;
  }

  /** Applies `parked` unless a redrive already did: true when applied now, false when already. */
  async once(parked: ParkedMessage, actor: string, apply: (tx: EntityManager) => Promise<void>): Promise<boolean> {
    if (Date.now() - this.prunedAt > PRUNE_EVERY_MS) {
      await this.prune();
      this.prunedAt = Date.now();
    }
    return this.db.dataSource.transaction(async (tx) => {
      const claimed: unknown[] = await tx.query(
        `INSERT INTO ${this.table} (stream, stream_seq, dlq_seq, actor) VALUES ($1, $2, $3, $4)
           ON CONFLICT (stream, stream_seq) DO NOTHING RETURNING stream`,
        [parked.stream, parked.streamSeq, parked.seq, actor],
      );
      if (claimed.length === 0) return false;
      await apply(tx);
      return true;
    });
  }

  /**
   * Forgets records older than the DLQ keeps messages (14 days from their parking): no copy of
   * their originals can be left to redrive. Done by `once` at most every PRUNE_EVERY_MS.
   */
  async prune(olderThanDays = 30): Promise<void> {
    await this.db.query(
      'dlq_redriven_prune',
      `DELETE FROM ${this.table} WHERE redriven_at < now() - make_interval(days => $1)`,
      [olderThanDays],
    );
  }
}

/**
 * The redrive of the events a projection's runner parked (an event its catalog refused, e.g.
 * one a newer service wrote before this one was upgraded to read it): the event is read as the
 * runner reads it and applied to the read model alone, at its original sequence, in the
 * ledger's transaction. It is never appended to the EVENTS stream again, and the runner's
 * checkpoint does not move (it went past the event when parking it). Other replicas' caches of
 * the read model hear of the change only by their own expiry: afterCommit runs on this replica.
 */
export function projectionRedrive<E extends DomainEvent>(
  projection: Projection<E>,
  eventsStream: string,
  ledger: RedriveLedger,
): RedriveHandler {
  const consumer = `projection ${projection.name}`;
  return {
    accepts: (p) => p.stream === eventsStream && p.consumer === consumer,
    redrive: async (p, { actor }) => {
      let event: StoredEvent<E>;
      try {
        event = { ...projection.catalog.read(decodeJson(EventEnvelope, p.data, 'event')), seq: p.streamSeq };
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        return { outcome: 'refused', reason: 'invalid_payload', detail: e.message };
      }
      const applied = await ledger.once(p, actor, (tx) => projection.apply(event, tx));
      if (!applied) return { outcome: 'already_applied' };
      projection.afterCommit?.(event);
      return { outcome: 'applied' };
    },
  };
}

/**
 * The redrive of the events an in-memory reader parked (an EventFeed, `feed <context>`, or a
 * reader of the last events, `reader <context>`: alert-svc's evaluators and dispatcher). Their
 * state is not kept anywhere but memory: it is rebuilt by reading the context's history, in
 * order, at each activation. A single old event is never applied to that state out of order (an
 * old `node.offline` would take a node that is online now offline). The reader's catalog is this
 * process's: if the event reads with it now, this process's readers took it, in its place, when
 * they read the history at their activation (a fix of a catalog is a new build, hence a restart);
 * the redrive records it (with who asked) and answers already_applied. If it still does not
 * read, it is refused, and parked again with the reason.
 */
export function rereadRedrive(
  catalogs: Partial<Record<Context, EventCatalog<DomainEvent>>>,
  eventsStream: string,
  ledger: RedriveLedger,
): RedriveHandler {
  const catalogOf = (consumer: string | undefined) => {
    const m = /^(?:feed|reader) ([a-z_]+)$/.exec(consumer ?? '');
    return m ? catalogs[m[1] as Context] : undefined;
  };
  return {
    accepts: (p) => p.stream === eventsStream && catalogOf(p.consumer) !== undefined,
    redrive: async (p, { actor }) => {
      try {
        catalogOf(p.consumer)!.read(decodeJson(EventEnvelope, p.data, 'event'));
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        return { outcome: 'refused', reason: 'invalid_payload', detail: e.message };
      }
      await ledger.once(p, actor, async () => undefined);
      return { outcome: 'already_applied' };
    },
  };
}
