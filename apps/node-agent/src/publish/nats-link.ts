import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { JetStreamPublisher, type MessageSigner } from './jetstream.publisher';
import type { LivePublisher, OutboundMessage, Publisher } from './publisher';

/**
 * A message not acknowledged within this goes to the spool. Short, because the agent's
 * loops wait for it; only a publish already in flight when the connection drops waits
 * that long, as later ones see the connection down at once.
 */
export const LIVE_PUBLISH_TIMEOUT_MS = 2_000;

export class NotConnectedError extends Error {
  override readonly name = 'NotConnectedError';

  constructor() {
    super('NATS is not connected');
  }
}

/**
 * The agent's live path to JetStream, which knows whether the connection is up: while it
 * is down, a publish fails at once with NotConnectedError instead of waiting for its
 * timeout, and listeners hear when it comes back. It is down until opened on a connection,
 * which the agent does once it may publish (connected, and enrolled when it has to be).
 */
export class NatsLink implements LivePublisher {
  private publisher?: Publisher;
  private up = false;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly publishTimeoutMs = LIVE_PUBLISH_TIMEOUT_MS,
    private readonly sign?: MessageSigner,
  ) {}

  get connected(): boolean {
    return this.up;
  }

  onConnected(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Starts publishing on `nc`; listeners hear that the link is up. */
  open(nc: NatsConnection): void {
    if (this.publisher) throw new Error('the NATS link is already open');
    this.publisher = new JetStreamPublisher(jetstream(nc), this.publishTimeoutMs, this.sign);
    void this.followStatus(nc);
    void nc.closed().then(() => this.setUp(false));
    this.setUp(!nc.isClosed());
  }

  async publish(message: OutboundMessage): Promise<void> {
    if (!this.up || !this.publisher) throw new NotConnectedError();
    await this.publisher.publish(message);
  }

  private async followStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.setUp(false);
      else if (status.type === 'reconnect') this.setUp(true);
    }
  }

  private setUp(up: boolean): void {
    const cameUp = up && !this.up;
    this.up = up;
    if (cameUp) for (const listener of this.listeners) listener();
  }
}
