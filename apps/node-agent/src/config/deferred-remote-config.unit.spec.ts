import { eventually } from '@vigil/test-support';
import { DeferredRemoteConfig, type PendingConnection } from './deferred-remote-config';
import type { RemoteConfig } from './remote-config';

/** A connection the test makes when it likes. */
function pendingConnection() {
  let make = (_connection: string) => {};
  const pending: { connection: string | undefined; connected: Promise<string> } = {
    connection: undefined,
    connected: new Promise<string>((resolve) => (make = resolve)),
  };
  const connect = (connection: string) => {
    pending.connection = connection;
    make(connection);
  };
  return { pending: pending as PendingConnection<string>, connect };
}

/** A source whose first load takes `loadMs` (forever when undefined), recording what happens to it. */
function recordingSources(loadMs?: number) {
  const events: string[] = [];
  const create = (connection: string): RemoteConfig => ({
    start: async (nodeId) => {
      events.push(`start ${nodeId} on ${connection}`);
      await new Promise((resolve) => loadMs !== undefined && setTimeout(resolve, loadMs));
      events.push('loaded');
    },
    stop: async () => {
      events.push('stop');
    },
  });
  return { create, events };
}

describe('DeferredRemoteConfig', () => {
  it('starts the source at once, and waits for its first load, when already connected', async () => {
    const { pending, connect } = pendingConnection();
    connect('nc');
    const { create, events } = recordingSources(20);
    const remote = new DeferredRemoteConfig(pending, create);

    await remote.start('n1');
    expect(events).toEqual(['start n1 on nc', 'loaded']);
    await remote.stop();
    expect(events).toEqual(['start n1 on nc', 'loaded', 'stop']);
  });

  it('does not hold up the agent while not connected, and starts the source once connected', async () => {
    const { pending, connect } = pendingConnection();
    const { create, events } = recordingSources();
    const remote = new DeferredRemoteConfig(pending, create);

    await remote.start('n1');
    expect(events).toEqual([]);
    connect('nc');
    await eventually(() => events.length > 0, { what: 'the source to start' });
    expect(events).toEqual(['start n1 on nc']);
    await remote.stop();
    expect(events).toEqual(['start n1 on nc', 'stop']);
  });

  it('never starts the source when stopped before the connection came', async () => {
    const { pending, connect } = pendingConnection();
    const { create, events } = recordingSources(0);
    const remote = new DeferredRemoteConfig(pending, create);

    await remote.start('n1');
    await remote.stop();
    connect('nc');
    await pending.connected;
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([]);
  });

  it('leaves a connection that cannot be made to the agent to report', async () => {
    const failing: PendingConnection<string> = {
      connection: undefined,
      connected: Promise.reject(new Error('invalid options')),
    };
    const { create, events } = recordingSources(0);
    const remote = new DeferredRemoteConfig(failing, create);

    await remote.start('n1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([]);
    await remote.stop();
  });
});
