import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, NATS_IDENTITIES } from '@vigil/contracts';
import * as bcrypt from 'bcryptjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const secure = require('./secure-servers');

describe("npm start's secrets and server configurations", () => {
  const secretsDir = mkdtempSync(join(tmpdir(), 'vigil-start-secrets-'));
  const topology = createTopology('', 16);

  it('makes one private random password per identity and puts only bcrypt hashes in nats.conf', () => {
    const config: string = secure.natsServerConfig({
      host: '127.0.0.1',
      port: 4223,
      storeDir: '/s',
      topology,
      secretsDir,
    });
    const files = readdirSync(secretsDir).sort();
    expect(files).toEqual(NATS_IDENTITIES.map((i) => `nats-${i}.password`).sort());
    for (const f of files) expect(statSync(join(secretsDir, f)).mode & 0o777).toBe(0o600);
    const hashes = [...config.matchAll(/password: "([^"]+)"/g)].map((m) => m[1]);
    expect(hashes).toHaveLength(NATS_IDENTITIES.length);
    NATS_IDENTITIES.forEach((identity, i) => {
      const plain: string = secure.secretFile(`nats-${identity}`, secretsDir).value;
      expect(config).not.toContain(plain);
      expect(bcrypt.compareSync(plain, hashes[i])).toBe(true);
    });
    expect(config).toContain('listen: "127.0.0.1:4223"');
  });

  it('keeps a password once made, and gives Redis its own in the config and the URL', () => {
    const first: string = secure.secretFile('redis', secretsDir).value;
    expect(secure.secretFile('redis', secretsDir).value).toBe(first);
    expect(secure.redisConfig({ host: '127.0.0.1', port: 6380, dir: '/d', logFile: '/l', secretsDir })).toContain(
      `requirepass ${first}`,
    );
    expect(secure.redisUrl('127.0.0.1', 6380, secretsDir)).toBe(`redis://:${first}@127.0.0.1:6380`);
  });
});
