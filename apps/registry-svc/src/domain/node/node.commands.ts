import { ConcurrencyError, type EventMeta, type NodeEvent } from '@vigil/contracts';
import type { EventStore, StoredEvent } from '@vigil/event-store';
import { decideNode, evolveNode, initialNodeState, type NodeCommand } from './node.decider';

const MAX_ATTEMPTS = 5;

/**
 * Read, decide, append with the expected sequence; on a concurrent write, read
 * again and decide again against the fresh state.
 */
export class NodeCommands {
  constructor(private readonly store: EventStore<NodeEvent>) {}

  async handle(nodeId: string, command: NodeCommand, meta: EventMeta): Promise<StoredEvent<NodeEvent>[]> {
    for (let attempt = 1; ; attempt++) {
      const { events, lastSeq } = await this.store.read(nodeId);
      const state = events.reduce(evolveNode, initialNodeState());
      const decided = decideNode(command, state);
      if (decided.length === 0) return [];
      try {
        return (await this.store.append(nodeId, decided, lastSeq, meta)).events;
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw e;
      }
    }
  }
}
