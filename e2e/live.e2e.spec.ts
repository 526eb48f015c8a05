import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LiveServerFrame, NodeMetric } from '@vigil/contracts';
import { eventually, testGatewayAuth } from '@vigil/test-support';
import { WebSocket } from 'ws';
import { TestPlatform } from './platform';

jest.setTimeout(120_000);

type Frame = LiveServerFrame;

/**
 * The live API with real processes on a nats-server with authorization: the gateway reads
 * EVENTS and follows a node's samples as its own NATS user (teardown fails on anything the server
 * refused), registry-svc turns a real agent's heartbeats into node events, and the agent's own
 * sample batches reach the socket cut to the metric asked for.
 */
describe('live API end to end: agent → NATS → registry-svc → EVENTS → gateway → WebSocket', () => {
  const platform = new TestPlatform();
  const NODE = 'live-e2e-1';

  beforeAll(async () => {
    await platform.setup();
    await Promise.all([platform.startRegistry(), platform.startGateway()]);
  });
  afterAll(() => platform.teardown());

  it("streams the node's registration and its samples to a socket, and logs no credential", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${platform.ports.gateway}/ws`, {
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    const frames: Frame[] = [];
    ws.on('message', (data) => void frames.push(JSON.parse(String(data)) as Frame));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ op: 'subscribe', id: 'fleet', topic: 'fleet' }));
    ws.send(
      JSON.stringify({
        op: 'subscribe',
        id: 'load',
        topic: 'samples',
        nodes: [NODE],
        metrics: [NodeMetric.load1],
      }),
    );
    await eventually(() => frames.filter((f) => f.type === 'subscribed').length === 2, { what: 'both subscribed' });

    platform.startAgent(mkdtempSync(join(tmpdir(), 'vigil-agent-')), { VIGIL_AGENT_NODE_ID: NODE });
    const registered = await eventually(
      () => frames.find((f) => f.type === 'event' && f.event.type === 'node.registered'),
      { timeoutMs: 20_000, what: 'node.registered on the socket' },
    );
    expect(registered).toMatchObject({
      id: 'fleet',
      cursor: expect.stringMatching(/^\d+$/),
      event: { subject: `node.${NODE}`, data: { nodeId: NODE } },
    });
    const samples = await eventually(() => frames.find((f) => f.type === 'samples'), {
      timeoutMs: 20_000,
      what: "the agent's samples on the socket",
    });
    expect(samples).toMatchObject({ id: 'load', nodeId: NODE });
    if (samples.type === 'samples')
      expect(new Set(samples.samples.map((s) => s.name))).toEqual(new Set([NodeMetric.load1]));
    ws.close();

    // The fan-out continues the trace of registry-svc's append.
    await eventually(
      () => {
        const fanout = platform.otlp.spans.filter((s) => s.service === 'gateway' && s.name === 'live fleet');
        return fanout.some((f) =>
          platform.otlp.spans.some((s) => s.service === 'registry-svc' && s.traceId === f.traceId),
        );
      },
      { timeoutMs: 10_000, what: "a gateway fan-out span in registry-svc's trace" },
    );

    const gateway = platform.processes.find((p) => p.app === 'gateway');
    const logs = gateway?.lines.join('\n') ?? '';
    expect(logs).toContain('live: socket opened');
    expect(logs).not.toContain(platform.adminToken);
    expect(logs).not.toContain(testGatewayAuth.env.VIGIL_ADMIN_PASSWORD);
  });
});
