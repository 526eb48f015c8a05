import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  NATS_IDENTITIES,
  NATS_RESPONDING_IDENTITIES,
  isNatsRespondingIdentity,
  natsAuthorizationConfig,
  type NatsRespondingIdentity,
  natsResponderUser,
  natsInboxPrefix,
  provisionBus,
  type NatsIdentity,
  type StreamLimits,
  type Topology,
} from '@vigil/contracts';
import { freePort } from './process';
import { eventually } from './wait';
import { requireTool } from './tools';

/** Small limits for tests: one test's streams never crowd the disk. */
export const TEST_STREAM_LIMITS: StreamLimits = {
  telemetryMaxAgeMs: 3600_000,
  telemetryMaxBytes: 256 * 1024 ** 2,
  dlqMaxAgeMs: 3600_000,
  duplicateWindowMs: 120_000,
  replicas: 1,
};

/**
 * The nats-server binary on the PATH or in /usr/sbin (Debian's package puts it there).
 * Missing: undefined, so a test can skip; under CI=true a missing binary is an error instead
 * (requireTool).
 */
export function natsServerBinary(): string | undefined {
  return requireTool('nats-server', 'nats-server');
}

export interface AuthNatsServerOptions {
  /** TLS for clients: the server's certificate and key, and the CA the helper's own connections trust (PEM). */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /**
   * Serve nats-server's monitoring (`/varz`, `/jsz`, `/connz`…) on this port, and its Go
   * profiler (`/debug/pprof/profile`) on the next one, on 127.0.0.1: for diagnosing a bench.
   */
  monitorPort?: number;
  /**
   * Give each service's responder user (`<service>-rpc`) a password of its own, which `env()`
   * passes as `NATS_RPC_PASSWORD`; by default it shares the service's, as `npm start` does.
   */
  separateResponderPasswords?: boolean;
}

/**
 * A nats-server of the test's own, on a free port, with JetStream (store in a temporary
 * folder) and authorization: one user per identity with the permissions of `libs/contracts`
 * for `topology`, each with a random password. `stop()` kills it and removes the folder.
 */
export class AuthNatsServer {
  readonly passwords: Record<NatsIdentity, string>;
  /** The responder users' passwords, with `separateResponderPasswords`. */
  readonly responderPasswords: Partial<Record<NatsRespondingIdentity, string>> = {};
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-nats-auth-'));
  private child?: ChildProcess;
  private exited?: Promise<void>;
  port = 0;

  constructor(
    readonly topology: Topology,
    private readonly options: AuthNatsServerOptions = {},
  ) {
    this.passwords = Object.fromEntries(
      NATS_IDENTITIES.map((identity) => [identity, randomBytes(18).toString('base64url')]),
    ) as Record<NatsIdentity, string>;
    if (options.separateResponderPasswords)
      for (const identity of NATS_RESPONDING_IDENTITIES)
        this.responderPasswords[identity] = randomBytes(18).toString('base64url');
  }

  get url(): string {
    return `${this.options.tls ? 'tls' : 'nats'}://127.0.0.1:${this.port}`;
  }

  get logFile(): string {
    return join(this.dir, 'nats.log');
  }

  /** The server's log so far (permission violations are logged there). */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The server's log lines about refused publishes and subscriptions, so far. */
  permissionViolations(): string[] {
    return this.log()
      .split('\n')
      .filter((line) => / (Publish|Subscription) Violation /.test(line));
  }

  /**
   * Starts the server; again after `kill()`, on the same port with the same users and data.
   * `jetstream: false` starts it without JetStream, as a restarted server answers clients before
   * it has recovered its streams.
   */
  async start(opts: { jetstream?: boolean } = {}): Promise<this> {
    const binary = natsServerBinary();
    if (!binary) throw new Error('nats-server is not installed (Debian package "nats-server")');
    if (!this.port) this.port = await freePort();
    this.jetstream = opts.jetstream !== false;
    const configFile = this.writeConfig();
    const readyBefore = this.log().split('Server is ready').length;
    const child = spawn(binary, ['-c', configFile, '-l', this.logFile], { stdio: 'ignore' });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.child = child;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited:\n${this.log()}`);
        return this.log().split('Server is ready').length > readyBefore;
      },
      { timeoutMs: 15_000, what: 'nats-server with authorization' },
    );
    return this;
  }

  /**
   * Writes the configuration again (the passwords as they are now, e.g. a rotated
   * `responderPasswords` entry) and has the running server reload it (SIGHUP): clients whose
   * credentials no longer hold are disconnected.
   */
  async reload(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) throw new Error('nats-server is not running');
    this.writeConfig();
    const before = this.log().split('Reloaded server configuration').length;
    child.kill('SIGHUP');
    await eventually(() => this.log().split('Reloaded server configuration').length > before, {
      timeoutMs: 10_000,
      what: 'nats-server to reload its configuration',
    });
  }

  private jetstream = true;

  private writeConfig(): string {
    const users = NATS_IDENTITIES.map((identity) => ({
      identity,
      password: this.passwords[identity],
      responderPassword: isNatsRespondingIdentity(identity) ? this.responderPasswords[identity] : undefined,
    }));
    const tls = this.options.tls
      ? `tls {\n  cert_file: ${JSON.stringify(this.options.tls.certFile)}\n  key_file: ${JSON.stringify(this.options.tls.keyFile)}\n}\n`
      : '';
    const config = [
      `listen: "127.0.0.1:${this.port}"`,
      this.jetstream ? `jetstream { store_dir: ${JSON.stringify(join(this.dir, 'js'))} }` : '',
      tls,
      ...(this.options.monitorPort
        ? [`http: "127.0.0.1:${this.options.monitorPort}"`, `prof_port: ${this.options.monitorPort + 1}`]
        : []),
      natsAuthorizationConfig(this.topology, users),
    ].join('\n');
    const configFile = join(this.dir, 'nats.conf');
    writeFileSync(configFile, config, { mode: 0o600 });
    return configFile;
  }

  /** The server's process id while it runs. */
  pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Kills the server process (SIGKILL), keeping its folder for a later `start()`. */
  async kill(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** The environment a process connecting as `identity` needs. */
  env(identity: NatsIdentity): Record<string, string> {
    const own = { NATS_URL: this.url, NATS_USER: identity, NATS_PASSWORD: this.passwords[identity] };
    const responder = isNatsRespondingIdentity(identity) ? this.responderPasswords[identity] : undefined;
    if (!responder || !isNatsRespondingIdentity(identity)) return own;
    return { ...own, NATS_RPC_USER: natsResponderUser(identity), NATS_RPC_PASSWORD: responder };
  }

  /** A connection as `identity`, on its own inbox prefix as the services use. */
  connect(identity: NatsIdentity): Promise<NatsConnection> {
    return this.connectAs(identity, this.passwords[identity], natsInboxPrefix(identity));
  }

  /** A connection as the responder user of `identity` (`<service>-rpc`), as a service answers requests. */
  connectResponder(identity: NatsRespondingIdentity): Promise<NatsConnection> {
    return this.connectAs(natsResponderUser(identity), this.responderPasswords[identity] ?? this.passwords[identity]);
  }

  private connectAs(user: string, pass: string, inboxPrefix?: string): Promise<NatsConnection> {
    return connect({
      servers: this.url,
      user,
      pass,
      ...(inboxPrefix ? { inboxPrefix } : {}),
      name: `vigil-test:${user}`,
      ...(this.options.tls ? { tls: { caFile: this.options.tls.caFile } } : {}),
    });
  }

  /** What `npm start` does as admin: the streams and the agent-config KV bucket. */
  async provision(limits: StreamLimits = TEST_STREAM_LIMITS): Promise<void> {
    const nc = await this.connect('admin');
    try {
      await provisionBus(nc, this.topology, limits);
    } finally {
      await nc.drain();
    }
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
