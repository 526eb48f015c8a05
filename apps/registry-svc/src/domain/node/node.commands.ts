import type { NodeEvent } from '@vigil/contracts';
import { CommandHandler, type EventStore } from '@vigil/event-store';
import { decideNode, evolveNode, initialNodeState, type NodeCommand, type NodeState } from './node.decider';

export class NodeCommands extends CommandHandler<NodeEvent, NodeState, NodeCommand> {
  constructor(store: EventStore<NodeEvent>) {
    super(store, { decide: decideNode, evolve: evolveNode, initialState: initialNodeState });
  }
}
