import type { NatsConnection, Status } from '@nats-io/nats-core';
import { createTopology, heartbeatMessage } from '@vigil/contracts';
import { eventually } from '@vigil/test-support';
import { NatsLink, NotConnectedError } from './nats-link';

/** A connection whose status changes the test emits. */
function fakeConnection() {
  const queued: Status[] = [];
  let wake = () => {};
  const nc = {
    options: {},
    isClosed: () => false,
    closed: () => new Promise<void | Error>(() => undefined),
    status: () => ({
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const next = queued.shift();
          if (next) yield next;
          else await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    }),
  };
  const emit = (type: 'disconnect' | 'reconnect') => {
    queued.push({ type, server: 'nats://x' } as Status);
    wake();
  };
  return { nc: nc as unknown as NatsConnection, emit };
}

const message = heartbeatMessage(
  createTopology('t'),
  {
    nodeId: 'n1',
    seq: 0,
    sentAt: new Date(0).toISOString(),
    hostname: 'h',
    agentVersion: 'test',
    uptimeSeconds: 0,
    intervalMs: 1000,
    labels: {},
  },
  'boot',
);

describe('NatsLink', () => {
  it('is down until opened on a connection: a publish fails at once', async () => {
    const link = new NatsLink();
    expect(link.connected).toBe(false);
    await expect(link.publish(message)).rejects.toBeInstanceOf(NotConnectedError);
  });

  it('comes up when opened, telling its listeners, then follows the connection', async () => {
    const { nc, emit } = fakeConnection();
    const link = new NatsLink();
    let cameUp = 0;
    link.onConnected(() => cameUp++);

    link.open(nc);
    expect(link.connected).toBe(true);
    expect(cameUp).toBe(1);

    emit('disconnect');
    await eventually(() => !link.connected, { what: 'the link down' });
    await expect(link.publish(message)).rejects.toBeInstanceOf(NotConnectedError);
    emit('reconnect');
    await eventually(() => link.connected, { what: 'the link up again' });
    expect(cameUp).toBe(2);
    expect(() => link.open(nc)).toThrow(/already open/);
  });
});
