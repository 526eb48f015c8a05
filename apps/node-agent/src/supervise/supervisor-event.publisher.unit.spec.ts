import { createTopology, SupervisorEvent } from '@vigil/contracts';
import pino from 'pino';
import type { OutboundMessage } from '../publish/publisher';
import { SupervisorEventPublisher } from './supervisor-event.publisher';

const event: SupervisorEvent = {
  nodeId: 'node-1',
  process: 'telegraf',
  type: 'restarted',
  at: '2025-01-01T00:00:00.000Z',
  pid: 9,
  reason: 'killed by SIGKILL',
};

describe('SupervisorEventPublisher', () => {
  it('publishes each event on the node agent-events subject', async () => {
    const sent: OutboundMessage[] = [];
    const publisher = new SupervisorEventPublisher(
      createTopology('t7'),
      { publish: async (m) => void sent.push(m) },
      pino({ level: 'silent' }),
    );
    await publisher.publish(event);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'agent-event', subject: 't7.telemetry.agent-events.node-1' });
    expect(SupervisorEvent.parse(JSON.parse(Buffer.from(sent[0].data).toString()))).toEqual(event);
    expect(publisher.failures).toBe(0);
  });

  it('counts a failed publish instead of throwing', async () => {
    const failing = { publish: async () => Promise.reject(new Error('no responders')) };
    const publisher = new SupervisorEventPublisher(createTopology('t7'), failing, pino({ level: 'silent' }));
    await publisher.publish(event);
    await publisher.publish(event);
    expect(publisher.failures).toBe(2);
  });

  it('settles once every publish started so far has finished', async () => {
    let release = () => {};
    const slow = { publish: () => new Promise<void>((resolve) => (release = resolve)) };
    const publisher = new SupervisorEventPublisher(createTopology('t7'), slow, pino({ level: 'silent' }));
    void publisher.publish(event);
    let settled = false;
    const settling = publisher.settled().then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release();
    await settling;
  });
});
