import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTopology,
  isNatsRespondingIdentity,
  NATS_IDENTITIES,
  NATS_RESPONDING_IDENTITIES,
  natsResponderUser,
} from '@vigil/contracts';
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
    const hashes = new Map(
      [...config.matchAll(/user: "([^"]+)"\n\s*password: "([^"]+)"/g)].map((m) => [m[1], m[2]] as const),
    );
    // Every identity, and each service's responder (`<service>-rpc`) with the service's password.
    expect(hashes.size).toBe(NATS_IDENTITIES.length + NATS_RESPONDING_IDENTITIES.length);
    for (const identity of NATS_IDENTITIES) {
      const plain: string = secure.secretFile(`nats-${identity}`, secretsDir).value;
      expect(config).not.toContain(plain);
      expect(bcrypt.compareSync(plain, hashes.get(identity) ?? '')).toBe(true);
      if (isNatsRespondingIdentity(identity))
        expect(bcrypt.compareSync(plain, hashes.get(natsResponderUser(identity)) ?? '')).toBe(true);
    }
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
