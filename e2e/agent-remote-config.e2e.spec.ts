import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KV, Kvm } from '@nats-io/kv';
import { agentConfigKeys, type NodeView, registryQueries } from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { eventually, uniqueId } from '@vigil/test-support';
import { TestPlatform } from './platform';

jest.setTimeout(90_000);

/**
 * Whoever can write the `agent-config` KV bucket cannot make a host run a command: a real
 * agent refuses a document that adds a supervised process, reports why in its heartbeats
 * (registry-svc shows it per node), and runs nothing.
 */
describe('remote config cannot run commands', () => {
  const platform = new TestPlatform();
  let kv: KV;

  beforeAll(async () => {
    await platform.setup();
    kv = await new Kvm(platform.bus.nc).create(platform.bus.topology.buckets.agentConfig);
    await platform.startRegistry();
  });
  afterAll(async () => {
    await platform.teardown();
  });

  const node = (id: string): Promise<NodeView | undefined> =>
    requestQuery(platform.bus.nc, platform.bus.topology, registryQueries.getNode, { nodeId: id }, 5000).catch(
      () => undefined,
    );

  it('rejects a KV document with a command or a disallowed scrape target, reports it, spawns nothing', async () => {
    const nodeId = uniqueId('rc-');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-rc-'));
    const pwned = join(tmpdir(), `pwned-${nodeId}`);
    const configFile = join(dir, 'agent.yaml');
    writeFileSync(configFile, 'version: "f1"\nscrapeAllow: ["127.0.0.1:9100"]\n');
    platform.startAgent(join(dir, 'state'), {
      VIGIL_AGENT_CONFIG: configFile,
      VIGIL_AGENT_NODE_ID: nodeId,
      VIGIL_AGENT_METRICS_PORT: '0',
    });
    await eventually(async () => (await node(nodeId))?.config?.version === 'file:f1', {
      timeoutMs: 20_000,
      what: 'the agent online with its file config',
    });

    await kv.put(
      agentConfigKeys.node(nodeId),
      JSON.stringify({
        version: 'evil',
        labels: { looks: 'harmless' },
        supervise: [{ name: 'x', command: 'sh', args: ['-c', `touch ${pwned}`], restart: 'always' }],
      }),
    );
    const rejected = await eventually(
      async () => {
        const view = await node(nodeId);
        return view?.config?.status === 'rejected' ? view.config : undefined;
      },
      { timeoutMs: 20_000, what: 'the rejection in the heartbeat' },
    );
    expect(rejected).toEqual({
      version: 'file:f1',
      status: 'rejected',
      error: 'file:f1+node:evil rejected: node document may not set "supervise" (only the local file may)',
    });

    await kv.put(
      agentConfigKeys.fleet,
      JSON.stringify({ version: 'f2', scrape: [{ name: 'meta', url: 'http://169.254.169.254/latest' }] }),
    );
    await kv.delete(agentConfigKeys.node(nodeId));
    const second = await eventually(
      async () => {
        const view = await node(nodeId);
        return view?.config?.error?.includes('fleet:f2') ? view.config : undefined;
      },
      { timeoutMs: 20_000, what: 'the scrape target refused' },
    );
    expect(second.error).toMatch(/fleet document scrape\.0\.url .* is not allowed by the local file's scrapeAllow/);

    // What the file allows applies.
    await kv.put(
      agentConfigKeys.fleet,
      JSON.stringify({ version: 'f3', scrape: [{ name: 'node', url: 'http://127.0.0.1:9100/metrics' }] }),
    );
    await eventually(async () => (await node(nodeId))?.config?.version === 'file:f1+fleet:f3', {
      timeoutMs: 20_000,
      what: 'an allowed document applied',
    });
    // The supervisor would have run the command at once (restart: always); give it time anyway.
    await new Promise((r) => setTimeout(r, 2000));
    expect(existsSync(pwned)).toBe(false);
  });
});
