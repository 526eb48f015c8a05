import { ConfigError, DEFAULT_CONFIG_PATH, DEFAULT_STATE_DIR, loadConfig } from './boot-config';

const host = { hostname: 'web-01', homeDir: '/home/ops' };

describe('loadConfig', () => {
  it('has a default for everything', () => {
    expect(loadConfig({}, host)).toEqual({
      natsUrl: 'nats://127.0.0.1:4222',
      natsPrefix: '',
      partitions: 16,
      stateDirCandidates: [DEFAULT_STATE_DIR, '/home/ops/.local/state/vigil-agent'],
      configFile: { path: DEFAULT_CONFIG_PATH, explicit: false },
      overrides: {},
      nodeIdOverride: undefined,
      hostname: 'web-01',
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        NATS_URL: 'nats://nats-1:4222,nats://nats-2:4222',
        VIGIL_NATS_PREFIX: 't42',
        VIGIL_PARTITIONS: '32',
        VIGIL_AGENT_STATE_DIR: '/srv/vigil',
        VIGIL_AGENT_CONFIG: '/srv/vigil/agent.yaml',
        VIGIL_AGENT_HEARTBEAT_MS: '2000',
        VIGIL_AGENT_SAMPLE_MS: '500',
        VIGIL_AGENT_INVENTORY_MS: '60000',
        VIGIL_AGENT_LABELS: ' env=prod, rack=r12 ,team= sre',
        VIGIL_AGENT_SPOOL_MAX_BYTES: '67108864',
        VIGIL_AGENT_METRICS_PORT: '0',
        VIGIL_AGENT_NODE_ID: 'node-7',
        VIGIL_AGENT_HOSTNAME: 'test-host',
        LOG_LEVEL: 'debug',
      },
      host,
    );
    expect(config).toMatchObject({
      natsUrl: 'nats://nats-1:4222,nats://nats-2:4222',
      natsPrefix: 't42',
      partitions: 32,
      stateDirCandidates: ['/srv/vigil'],
      configFile: { path: '/srv/vigil/agent.yaml', explicit: true },
      overrides: {
        heartbeatIntervalMs: 2000,
        sampleIntervalMs: 500,
        inventoryIntervalMs: 60_000,
        labels: { env: 'prod', rack: 'r12', team: 'sre' },
        spool: { maxBytes: 64 * 1024 * 1024 },
        metrics: { port: 0 },
      },
      nodeIdOverride: 'node-7',
      hostname: 'test-host',
      logLevel: 'debug',
    });
  });

  it('treats empty variables as unset and follows XDG_STATE_HOME for the fallback', () => {
    const config = loadConfig({ VIGIL_PARTITIONS: '', VIGIL_AGENT_LABELS: '', XDG_STATE_HOME: '/var/state' }, host);
    expect(config.partitions).toBe(16);
    expect(config.overrides).toEqual({});
    expect(config.stateDirCandidates).toEqual([DEFAULT_STATE_DIR, '/var/state/vigil-agent']);
  });

  it.each([
    ['VIGIL_PARTITIONS', 'many'],
    ['VIGIL_PARTITIONS', '0'],
    ['VIGIL_AGENT_HEARTBEAT_MS', '1.5'],
    ['VIGIL_AGENT_SAMPLE_MS', '10'],
    ['VIGIL_NATS_PREFIX', 'a.b'],
    ['VIGIL_AGENT_STATE_DIR', 'relative/dir'],
    ['VIGIL_AGENT_LABELS', 'env'],
    ['VIGIL_AGENT_LABELS', 'bad-key=x'],
    ['VIGIL_AGENT_SPOOL_MAX_BYTES', '1000'],
    ['VIGIL_AGENT_METRICS_PORT', '65536'],
    ['VIGIL_AGENT_NODE_ID', 'has space'],
    ['LOG_LEVEL', 'loud'],
  ])('rejects %s=%j naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value }, host)).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value }, host)).toThrow(new RegExp(`^invalid environment: ${name}`));
  });
});
