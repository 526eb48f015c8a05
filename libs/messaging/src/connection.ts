import { readFileSync } from 'node:fs';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { isNatsIdentity, isNatsRespondingIdentity, natsInboxPrefix, natsResponderUser } from '@vigil/contracts';
import type { Logger } from 'pino';

/** A NATS user and its password (never logged). */
export interface NatsCredentials {
  user: string;
  pass: string;
}

export interface NatsConnectOptions {
  url: string;
  /** Shows in `nats server report connections`: the service and its pid. */
  name: string;
  logger: Logger;
  /** Without them, the connection is anonymous (a server without authorization). */
  credentials?: NatsCredentials;
  /**
   * Where replies arrive. Unset: the user's own inbox (`natsInboxPrefix`) when the user is one of
   * Vigil's identities, since a restricted user may subscribe to no other; else `_INBOX`.
   */
  inboxPrefix?: string;
  /** Verify the server's certificate against this CA file (PEM); the connection then requires TLS. */
  caFile?: string;
}

/**
 * The credentials named by the environment: `<P>_USER` with `<P>_PASSWORD` or
 * `<P>_PASSWORD_FILE` (a file holding the password; one trailing newline is ignored), where
 * `<P>` is `NATS` unless said otherwise. None set: undefined. Errors name the variables, never
 * their values.
 */
export function natsCredentialsFromEnv(env: NodeJS.ProcessEnv, prefix = 'NATS'): NatsCredentials | undefined {
  const [userVar, passVar, fileVar] = [`${prefix}_USER`, `${prefix}_PASSWORD`, `${prefix}_PASSWORD_FILE`];
  const user = env[userVar] || undefined;
  const inline = env[passVar] || undefined;
  const file = env[fileVar] || undefined;
  if (!user) {
    if (inline || file) throw new Error(`${passVar} or ${fileVar} is set without ${userVar}`);
    return undefined;
  }
  if (inline && file) throw new Error(`set either ${passVar} or ${fileVar}, not both`);
  if (file) {
    let pass: string;
    try {
      pass = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new Error(`${fileVar}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (!pass) throw new Error(`${fileVar}: ${file} is empty`);
    return { user, pass };
  }
  if (!inline) throw new Error(`${userVar} is set without ${passVar} or ${fileVar}`);
  return { user, pass: inline };
}

/**
 * The credentials a service answers requests with, on a connection of their own: `NATS_RPC_USER`
 * with `NATS_RPC_PASSWORD` or `NATS_RPC_PASSWORD_FILE` when set; else, for one of Vigil's
 * services, its responder user (`<service>-rpc`) with the service's password, as
 * `natsAuthorizationConfig` writes it; else (another user, or none) the service's own.
 */
export function natsResponderCredentials(
  env: NodeJS.ProcessEnv,
  own: NatsCredentials | undefined,
): NatsCredentials | undefined {
  const given = natsCredentialsFromEnv(env, 'NATS_RPC');
  if (given) return given;
  if (own && isNatsRespondingIdentity(own.user)) return { user: natsResponderUser(own.user), pass: own.pass };
  return own;
}

/** The options of nats.js's connect() that say who we are and how the server is verified. */
export function natsAuthOptions(
  opts: Pick<NatsConnectOptions, 'credentials' | 'inboxPrefix' | 'caFile'>,
): Partial<ConnectionOptions> {
  const user = opts.credentials?.user;
  const inboxPrefix = opts.inboxPrefix ?? (user && isNatsIdentity(user) ? natsInboxPrefix(user) : undefined);
  return {
    ...(opts.credentials ? { user: opts.credentials.user, pass: opts.credentials.pass } : {}),
    ...(inboxPrefix ? { inboxPrefix } : {}),
    ...(opts.caFile ? { tls: { caFile: opts.caFile } } : {}),
  };
}

/**
 * Connects and keeps reconnecting forever, through refused credentials too (a password being
 * rotated on the server before the service's secret); status changes are logged, never fatal.
 */
export async function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: opts.url.split(','),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    ignoreAuthErrorAbort: true,
    waitOnFirstConnect: true,
    ...natsAuthOptions(opts),
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        opts.logger.warn(
          {
            nats_status: s.type,
            server: 'server' in s ? s.server : undefined,
            error: 'error' in s ? (s.error as Error).message : undefined,
          },
          'nats connection status',
        );
      }
    }
  })();
  return nc;
}
