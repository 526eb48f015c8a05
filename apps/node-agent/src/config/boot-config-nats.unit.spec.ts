import { ConfigError, loadConfig } from './boot-config';

const host = { hostname: 'h1', homeDir: '/home/u' };

describe("the agent's NATS user and CA from the environment", () => {
  it('reads NATS_USER, NATS_PASSWORD and NATS_CA_FILE', () => {
    const config = loadConfig({ NATS_USER: 'agent', NATS_PASSWORD: 'pw', NATS_CA_FILE: '/etc/vigil/ca.pem' }, host);
    expect(config.natsCredentials).toEqual({ user: 'agent', pass: 'pw' });
    expect(config.natsCaFile).toBe('/etc/vigil/ca.pem');
  });

  it('connects anonymously without them, and refuses half a configuration', () => {
    expect(loadConfig({}, host).natsCredentials).toBeUndefined();
    expect(() => loadConfig({ NATS_USER: 'agent' }, host)).toThrow(ConfigError);
    expect(() => loadConfig({ NATS_CA_FILE: 'relative.pem' }, host)).toThrow(/NATS_CA_FILE/);
  });
});
