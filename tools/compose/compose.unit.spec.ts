import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.yml's rules, read from the file itself (no Docker engine needed, and none was
 * used): every production service requires enrollment, every credential is a compose secret made
 * by `npm run compose:secrets`, and no secret is written in the file. The demo overlay is the one
 * place enrollment is off, and the simulated fleet runs only there.
 */
const ROOT = join(__dirname, '..', '..');

interface Service {
  build?: { args?: { APP?: string } };
  environment?: Record<string, string>;
  secrets?: string[];
  entrypoint?: string[] | string;
  command?: string[] | string;
}
interface ComposeFile {
  services: Record<string, Service>;
  secrets?: Record<string, { file: string }>;
}

const load = (name: string) => {
  const text = readFileSync(join(ROOT, name), 'utf8');
  return { text, doc: parse(text, { merge: true }) as ComposeFile };
};
const main = load('docker-compose.yml');
const demo = load('docker-compose.demo.yml');

/** The Vigil processes (built from the Dockerfile with `APP`). */
const apps = (f: ComposeFile) => Object.entries(f.services).filter(([, s]) => s.build?.args?.APP);
/** Services that read VIGIL_REQUIRE_ENROLLMENT (libs/platform's IdentityGate and registry-svc). */
const ENFORCING = ['registry-svc', 'metrics-svc', 'alert-svc'];
/** Environment variables that hold a credential (or name the file that holds it). */
const CREDENTIAL = /(PASSWORD|SECRET|TOKEN|PASS|_KEY|CREDENTIALS?)(_FILE)?$/i;
const words = (v: string[] | string | undefined) => [v ?? []].flat();
/** `/run/secrets/<name>` and `$(cat /run/secrets/<name>)` in a service's entrypoint and environment. */
const secretsReadBy = (s: Service) =>
  [...words(s.entrypoint), ...words(s.command), ...Object.values(s.environment ?? {})].flatMap((w) =>
    [...String(w).matchAll(/\/run\/secrets\/([A-Za-z0-9_-]+)/g)].map((m) => m[1]),
  );

describe('docker-compose.yml', () => {
  it('requires enrollment in every production service, and runs no simulated fleet', () => {
    const services = apps(main.doc);
    expect(services.map(([name]) => name).sort()).toEqual(
      ['alert-svc', 'backup-svc', 'gateway', 'metrics-svc', 'nats-provision', 'node-agent', 'registry-svc'].sort(),
    );
    for (const [name, s] of services) expect([name, s.environment?.VIGIL_REQUIRE_ENROLLMENT]).toEqual([name, 'true']);
    expect(services.filter(([, s]) => s.build?.args?.APP === 'fleet-sim')).toEqual([]);
    // The compose agent enrolls as a known node with the token an admin leaves in its secret.
    const agent = main.doc.services['node-agent'];
    expect(agent.environment?.VIGIL_AGENT_NODE_ID).toBe('compose-agent');
    expect(words(agent.entrypoint).join(' ')).toContain(
      'VIGIL_AGENT_ENROLLMENT_TOKEN="$$(cat /run/secrets/agent-enrollment-token)"',
    );
  });

  it('takes every credential from a compose secret the service is given, made by compose:secrets', () => {
    const declared = main.doc.secrets ?? {};
    for (const [name, s] of Object.entries(main.doc.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (!CREDENTIAL.test(key)) continue;
        // A credential is never a value: it is a file under /run/secrets.
        expect([name, key, value]).toEqual([
          name,
          expect.stringMatching(/_FILE$/),
          expect.stringMatching(/^\/run\/secrets\//),
        ]);
      }
      // Connection strings with passwords are put together at start from the secrets, not written here.
      expect([
        name,
        Object.keys(s.environment ?? {}).filter((k) => /_URL$/.test(k) && /@/.test(s.environment![k])),
      ]).toEqual([name, []]);
      for (const secret of secretsReadBy(s)) {
        expect([name, secret, s.secrets?.includes(secret)]).toEqual([name, secret, true]);
        expect([secret, declared[secret]?.file]).toEqual([
          secret,
          expect.stringMatching(/^\.\/\.vigil\/compose\/secrets\//),
        ]);
      }
      for (const secret of s.secrets ?? [])
        expect([name, secretsReadBy(s)]).toEqual([name, expect.arrayContaining([secret])]);
    }
    // Postgres, Redis, every NATS identity, the gateway's signing key and first admin password.
    const gateway = main.doc.services.gateway;
    expect(gateway.environment?.VIGIL_AUTH_SECRET_FILE).toBe('/run/secrets/gateway-auth-secret');
    expect(words(gateway.entrypoint).join(' ')).toContain(
      'VIGIL_ADMIN_PASSWORD="$$(cat /run/secrets/gateway-admin-password)"',
    );
    expect(main.doc.services.postgres.environment?.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres-password');
    expect(words(main.doc.services.redis.command).join(' ')).toContain('$$(cat /run/secrets/redis-password)');

    // Every file the secrets name is one `npm run compose:secrets` makes (run here in a temporary folder).
    const dir = mkdtempSync(join(tmpdir(), 'vigil-compose-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'tools/compose/secrets.js')], {
        env: { ...process.env, VIGIL_COMPOSE_DIR: dir },
        stdio: 'pipe',
      });
      expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700);
      for (const [secret, { file }] of Object.entries(declared)) {
        const made = join(dir, file.replace('./.vigil/compose/', ''));
        const content = readFileSync(made, 'utf8');
        // Random, long enough; the agent's token is left empty for an admin to write.
        if (secret === 'agent-enrollment-token') expect(content).toBe('');
        else expect([secret, content.length >= 32]).toEqual([secret, true]);
        expect(main.text).not.toContain(content || '\u0000');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds no secret literal', () => {
    for (const f of [main, demo]) {
      const lines = f.text.split('\n').filter((l) => !l.trim().startsWith('#'));
      const suspicious = lines.filter(
        (l) =>
          // password: x / PASSWORD=x / --password x / requirepass x with a literal value
          /(password|secret|token|passwd)[A-Z_]*\s*[:=]\s*(?!\/run\/secrets\/)['"]?[A-Za-z0-9+/_-]{6,}/i.test(l) ||
          /--password[ =](?!"?\$)/.test(l) ||
          /requirepass (?!%s)/.test(l) ||
          // user:password@host with a literal password
          /:\/\/[^:/\s]*:(?!\$)[^@\s]+@/.test(l) ||
          // anything shaped like a Vigil API key
          /vgl_[A-Za-z0-9]{20,}/.test(l),
      );
      expect(suspicious).toEqual([]);
    }
  });
});

describe('docker-compose.demo.yml', () => {
  it('is the one place enrollment is off, says so, and adds the simulated fleet with the agent secret', () => {
    expect(demo.text.split('\n')[0]).toMatch(/^# DEMO ONLY/);
    const services = demo.doc.services;
    for (const name of ENFORCING) expect(services[name].environment).toEqual({ VIGIL_REQUIRE_ENROLLMENT: 'false' });
    expect(Object.keys(services).sort()).toEqual([...ENFORCING, 'fleet-sim'].sort());
    const sim = services['fleet-sim'];
    expect(sim.build?.args?.APP).toBe('fleet-sim');
    expect(sim.environment).toMatchObject({ NATS_USER: 'agent', NATS_PASSWORD_FILE: '/run/secrets/nats-agent' });
    expect(sim.secrets).toEqual(['nats-agent']);
    // It adds no secret of its own: the agent's, declared by docker-compose.yml.
    expect(demo.doc.secrets).toBeUndefined();
    expect(main.doc.secrets?.['nats-agent']).toBeDefined();
    // Same partitions as the services it feeds.
    expect(sim.environment?.VIGIL_PARTITIONS).toBe(main.doc.services['metrics-svc'].environment?.VIGIL_PARTITIONS);
  });
});
