import { randomUUID } from 'node:crypto';
import { AgentSession, type AgentDeps, type AgentSettings } from './agent-session';
import { BatchSequence } from './state/batch-sequence';
import { loadOrCreateNodeId } from './state/node-identity';

export type { AgentDeps, AgentSettings } from './agent-session';

/**
 * The node agent: on start it loads (or creates) the node's identity from the state
 * directory and its remote config for that node, then sends a heartbeat, its inventory
 * and a sample batch at once and each on its own interval after that, following config
 * changes live. Everything it touches is injected, so tests run it in-process.
 */
export class Agent {
  private session?: AgentSession;
  private startedNodeId?: string;

  constructor(
    private readonly settings: AgentSettings,
    private readonly deps: AgentDeps,
  ) {}

  get nodeId(): string {
    if (this.startedNodeId === undefined) throw new Error('the agent has not started');
    return this.startedNodeId;
  }

  async start(): Promise<void> {
    if (this.session) throw new Error('the agent is already running');
    const { settings, deps } = this;
    const { nodeId, created } = settings.nodeIdOverride
      ? { nodeId: settings.nodeIdOverride, created: false }
      : await loadOrCreateNodeId(settings.stateDir);
    const sequence = await BatchSequence.open(settings.stateDir);
    const bootId = randomUUID();
    const logger = deps.logger.child({ node_id: nodeId });
    this.startedNodeId = nodeId;
    // Before the session, so that the first heartbeat already runs on the node's own config.
    await deps.remoteConfig?.start(nodeId);
    this.session = new AgentSession(settings, { ...deps, logger }, { nodeId, bootId, sequence });
    this.session.start();
    logger.info(
      { boot_id: bootId, new_node: created, hostname: settings.hostname, state_dir: settings.stateDir },
      'agent started',
    );
  }

  /** Stops the loops (waiting for a tick in progress) and persists the sequence number. */
  async stop(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await this.deps.remoteConfig?.stop();
    await session?.stop();
  }
}
