import { nodeEvents } from './node.events';

const envelope = (type: string, version: number, data: unknown) => ({
  id: '019a0000-0000-7000-8000-000000000001',
  type,
  version,
  subject: 'node.n1',
  occurredAt: '2026-11-22T10:00:00.000Z',
  data,
  meta: { correlationId: 'c1', causationId: null, actor: 'service:test' },
});

describe('node event catalog', () => {
  it('upcasts node.registered v1 (hostname only) to v2 with labels and agent version', () => {
    const e = nodeEvents.read(envelope('node.registered', 1, { nodeId: 'n1', hostname: 'web-1' }));
    expect(e.version).toBe(2);
    expect(e.data).toEqual({ nodeId: 'n1', hostname: 'web-1', labels: {}, agentVersion: 'unknown' });
  });

  it('reads the current version unchanged', () => {
    const data = { nodeId: 'n1', hostname: 'web-1', labels: { env: 'prod' }, agentVersion: '1.2.3' };
    expect(nodeEvents.read(envelope('node.registered', 2, data)).data).toEqual(data);
  });

  it('rejects unknown types, future versions and bad data with the reason', () => {
    expect(() => nodeEvents.read(envelope('node.exploded', 1, {}))).toThrow(/unknown event type "node.exploded"/);
    expect(() => nodeEvents.read(envelope('node.online', 7, {}))).toThrow(/newer than this service knows/);
    expect(() => nodeEvents.read(envelope('node.online', 1, { nodeId: 'n1' }))).toThrow(
      /invalid node.online v1 data: lastSeenAt/,
    );
    expect(() => nodeEvents.read({ type: 'node.online' })).toThrow(/invalid event envelope/);
  });
});
