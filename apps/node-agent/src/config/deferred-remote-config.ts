import type { RemoteConfig } from './remote-config';

/** A connection made in the background (see NatsConnector). */
export interface PendingConnection<C> {
  /** The connection, once made. */
  readonly connection: C | undefined;
  /** Resolves once connected. */
  readonly connected: Promise<C>;
}

/**
 * A remote config source that needs a connection the agent may not have yet. Connected at
 * start: the source starts at once, and start() waits for it as the agent would for the
 * source itself. Not connected yet (NATS unreachable): start() returns at once, so the agent
 * starts on its local config, and the source starts once connected and applies then.
 */
export class DeferredRemoteConfig<C> implements RemoteConfig {
  private source?: RemoteConfig;
  private running = false;

  constructor(
    private readonly pending: PendingConnection<C>,
    private readonly createSource: (connection: C) => RemoteConfig,
  ) {}

  async start(nodeId: string): Promise<void> {
    if (this.running) throw new Error('the remote config is already running');
    this.running = true;
    const connection = this.pending.connection;
    if (connection !== undefined) return this.startSource(connection, nodeId);
    // A connection that cannot be made stops the agent (see main.ts): nothing to do here.
    void this.pending.connected.then(
      (made) => {
        if (this.running && !this.source) void this.startSource(made, nodeId);
      },
      () => undefined,
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    const source = this.source;
    this.source = undefined;
    await source?.stop();
  }

  private startSource(connection: C, nodeId: string): Promise<void> {
    const source = this.createSource(connection);
    this.source = source;
    return source.start(nodeId);
  }
}
