import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { createTopology, ruleOperations } from '@vigil/contracts';
import { type NatsCredentials, natsAuthOptions, natsCredentialsFromEnv, requestQuery } from '@vigil/messaging';
import type { RulesService } from './commands';

export interface NatsSettings {
  readonly url: string;
  readonly prefix: string;
  readonly timeoutMs: number;
  /** NATS_USER with NATS_PASSWORD or NATS_PASSWORD_FILE (an operator's, e.g. `admin`). */
  readonly credentials?: NatsCredentials;
}

/** The settings from the environment the services use too. */
export function natsSettingsFromEnv(env: NodeJS.ProcessEnv): NatsSettings {
  const timeout = Number(env.VIGIL_RPC_TIMEOUT_MS ?? 30_000);
  return {
    url: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    prefix: env.VIGIL_NATS_PREFIX ?? '',
    timeoutMs: Number.isInteger(timeout) && timeout > 0 ? timeout : 30_000,
    credentials: natsCredentialsFromEnv(env),
  };
}

/** alert-svc's rule operations over NATS request/reply; close() when done. */
export async function connectRulesService(settings: NatsSettings): Promise<RulesService & { close(): Promise<void> }> {
  const topology = createTopology(settings.prefix);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: settings.url.split(','),
      name: 'vigil-cli',
      ...natsAuthOptions({ credentials: settings.credentials }),
    });
  } catch (e) {
    throw new Error(`cannot connect to NATS at ${settings.url}: ${(e as Error).message}`, { cause: e });
  }
  return {
    apply: (request) => requestQuery(nc, topology, ruleOperations.apply, request, settings.timeoutMs),
    close: () => nc.close(),
  };
}
