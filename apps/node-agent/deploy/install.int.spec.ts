import { spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { requireRoot, requireTool, requireTools } from '@vigil/test-support';

/**
 * install.sh and uninstall.sh run against a directory standing for `/` (--root): the account goes
 * into its etc/passwd, never the host's. Needs root (file ownership) and shadow's useradd.
 */
const deploy = __dirname;
const node = process.execPath;
const canRun = requireRoot('install.sh (file ownership)') && requireTools({ useradd: 'passwd', groupadd: 'passwd' });
const systemdAnalyze = requireTool('systemd-analyze', 'systemd');
/** install.sh enables the unit through systemctl when there is one (Debian's systemd package, as systemd-analyze). */
const systemctl = requireTool('systemctl', 'systemd');

let root: string;
let bundle: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'vigil-install-'));
  await mkdir(path.join(root, 'etc'));
  await writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(path.join(root, 'etc/group'), 'root:x:0:\n');
  await writeFile(path.join(root, 'etc/shadow'), '');
  await writeFile(path.join(root, 'etc/gshadow'), '');
  bundle = path.join(root, 'bundle.js');
  await writeFile(bundle, 'console.log("agent v1");\n');
});
afterEach(() => rm(root, { recursive: true, force: true }));

function run(script: string, ...args: string[]) {
  const r = spawnSync('sh', [path.join(deploy, script), '--root', root, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
const install = (...args: string[]) => run('install.sh', '--node', node, '--bundle', bundle, ...args);
const file = (p: string) => path.join(root, p);
const mode = async (p: string) => ((await stat(file(p))).mode & 0o7777).toString(8);

async function account(): Promise<{ uid: number; gid: number; home: string; shell: string }> {
  const line = (await readFile(file('etc/passwd'), 'utf8')).split('\n').find((l) => l.startsWith('vigil-agent:'));
  if (!line) throw new Error('no vigil-agent account');
  const [, , uid, gid, , home, shell] = line.split(':');
  return { uid: Number(uid), gid: Number(gid), home, shell };
}

(canRun ? describe : describe.skip)('install.sh', () => {
  it('installs the account, bundle, unit, config and env file with their modes, and enables the unit', async () => {
    const first = install('--nats-url', 'nats://nats.example:4222');
    expect(first).toMatchObject({ status: 0 });

    const { uid, gid, home, shell } = await account();
    expect(uid).toBeLessThan(1000);
    expect({ home, shell }).toEqual({ home: '/var/lib/vigil-agent', shell: '/usr/sbin/nologin' });

    expect(await readFile(file('usr/lib/vigil-agent/vigil-agent.js'), 'utf8')).toBe('console.log("agent v1");\n');
    expect(await mode('usr/lib/vigil-agent/vigil-agent.js')).toBe('644');

    const unit = await readFile(file('etc/systemd/system/vigil-agent.service'), 'utf8');
    expect(unit).toContain(
      `ExecStart=${node} --max-semi-space-size=1 --max-opt=2 --no-sparkplug --expose-gc /usr/lib/vigil-agent/vigil-agent.js\n`,
    );
    expect(await mode('etc/systemd/system/vigil-agent.service')).toBe('644');
    if (systemctl) {
      const wants = 'etc/systemd/system/multi-user.target.wants/vigil-agent.service';
      expect(await readlink(file(wants))).toBe('/etc/systemd/system/vigil-agent.service');
    }

    expect(await readFile(file('etc/vigil/agent.yaml'), 'utf8')).toBe(
      await readFile(path.join(deploy, 'agent.yaml'), 'utf8'),
    );
    expect(await stat(file('etc/vigil/agent.yaml'))).toMatchObject({ uid: 0, gid });
    expect(await mode('etc/vigil/agent.yaml')).toBe('640');
    expect(await stat(file('etc/vigil'))).toMatchObject({ uid: 0, gid });
    expect(await mode('etc/vigil')).toBe('750');

    expect(await readFile(file('etc/vigil/agent.env'), 'utf8')).toBe('NATS_URL=nats://nats.example:4222\n');
    expect(await stat(file('etc/vigil/agent.env'))).toMatchObject({ uid: 0, gid: 0 });
    expect(await mode('etc/vigil/agent.env')).toBe('600');

    expect(await stat(file('var/lib/vigil-agent'))).toMatchObject({ uid, gid });
    expect(await mode('var/lib/vigil-agent')).toBe('750');
  });

  it('runs again as an upgrade: new bundle, same account, the edited config kept, the NATS URL replaced', async () => {
    expect(install('--nats-url', 'nats://old:4222').status).toBe(0);
    const before = await account();
    await writeFile(file('etc/vigil/agent.yaml'), 'labels: { rack: r1 }\n');
    await writeFile(file('etc/vigil/agent.env'), 'NATS_URL=nats://old:4222\nLOG_LEVEL=debug\n');
    await writeFile(bundle, 'console.log("agent v2");\n');

    expect(install('--nats-url', 'nats://new:4222').status).toBe(0);
    expect(await account()).toEqual(before);
    expect((await readFile(file('etc/passwd'), 'utf8')).match(/^vigil-agent:/gm)).toHaveLength(1);
    expect(await readFile(file('usr/lib/vigil-agent/vigil-agent.js'), 'utf8')).toBe('console.log("agent v2");\n');
    expect(await readFile(file('etc/vigil/agent.yaml'), 'utf8')).toBe('labels: { rack: r1 }\n');
    expect(await readFile(file('etc/vigil/agent.env'), 'utf8')).toBe('LOG_LEVEL=debug\nNATS_URL=nats://new:4222\n');
    expect(await mode('etc/vigil/agent.env')).toBe('600');

    expect(install().status).toBe(0);
    expect(await readFile(file('etc/vigil/agent.env'), 'utf8')).toBe('LOG_LEVEL=debug\nNATS_URL=nats://new:4222\n');
  });

  it('refuses a Node.js older than 22, and a first install without a NATS URL, before changing anything', async () => {
    const oldNode = file('node20');
    await writeFile(oldNode, '#!/bin/sh\n[ "$1" = --version ] && echo v20.19.0 && exit 0\nexit 1\n');
    await chmod(oldNode, 0o755);
    const tooOld = run('install.sh', '--node', oldNode, '--bundle', bundle, '--nats-url', 'nats://x:4222');
    expect(tooOld.status).not.toBe(0);
    expect(tooOld.output).toContain('is not Node.js >= 22 (v20.19.0)');
    await expect(lstat(file('usr'))).rejects.toThrow();

    const noUrl = install();
    expect(noUrl.status).not.toBe(0);
    expect(noUrl.output).toContain('no NATS URL');
    await expect(lstat(file('usr'))).rejects.toThrow();
  });
});

(canRun ? describe : describe.skip)('uninstall.sh', () => {
  it('removes the unit and bundle and keeps config, state and account; --purge removes those too', async () => {
    expect(install('--nats-url', 'nats://x:4222').status).toBe(0);
    await writeFile(file('var/lib/vigil-agent/node-id'), 'n1\n');

    expect(run('uninstall.sh')).toMatchObject({ status: 0 });
    await expect(lstat(file('etc/systemd/system/vigil-agent.service'))).rejects.toThrow();
    await expect(lstat(file('etc/systemd/system/multi-user.target.wants/vigil-agent.service'))).rejects.toThrow();
    await expect(lstat(file('usr/lib/vigil-agent'))).rejects.toThrow();
    expect(await readFile(file('var/lib/vigil-agent/node-id'), 'utf8')).toBe('n1\n');
    expect(await readFile(file('etc/vigil/agent.env'), 'utf8')).toBe('NATS_URL=nats://x:4222\n');
    await account();

    expect(run('uninstall.sh', '--purge')).toMatchObject({ status: 0 });
    await expect(lstat(file('etc/vigil'))).rejects.toThrow();
    await expect(lstat(file('var/lib/vigil-agent'))).rejects.toThrow();
    expect(await readFile(file('etc/passwd'), 'utf8')).not.toContain('vigil-agent');
    expect(await readFile(file('etc/group'), 'utf8')).not.toContain('vigil-agent');
  });
});

describe('the deploy scripts and unit', () => {
  it.each(['install.sh', 'uninstall.sh'])('%s parses as POSIX sh', (script) => {
    expect(spawnSync('sh', ['-n', path.join(deploy, script)]).status).toBe(0);
  });

  (systemdAnalyze ? it : it.skip)('vigil-agent.service passes systemd-analyze verify', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-unit-'));
    try {
      // The unit as install.sh writes it: ExecStart must name a Node.js that exists here.
      const unit = (await readFile(path.join(deploy, 'vigil-agent.service'), 'utf8')).replace(
        'ExecStart=/usr/bin/node ',
        `ExecStart=${node} `,
      );
      await writeFile(path.join(dir, 'vigil-agent.service'), unit);
      const r = spawnSync('systemd-analyze', ['verify', path.join(dir, 'vigil-agent.service')], { encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toBe('');
      expect(r.status).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
