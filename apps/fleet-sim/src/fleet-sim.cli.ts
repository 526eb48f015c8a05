import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createTopology, DEFAULT_PARTITIONS, ensureStreams, SUBJECT_TOKEN_PATTERN } from '@vigil/contracts';
import { natsAuthOptions, natsCredentialsFromEnv } from '@vigil/messaging';
import { createLogger, redactUrl, startTracing } from '@vigil/telemetry';
import { FleetSimulator } from './fleet-simulator';

export const FLEET_SIM_USAGE = `Usage: fleet-sim [--nodes N] [--seed S] [--heartbeat-ms MS] [--sample-ms MS] [--name-prefix P]

Runs N simulated node agents against NATS until SIGINT or SIGTERM.
Environment: NATS_URL (nats://127.0.0.1:4222), VIGIL_NATS_PREFIX (''), VIGIL_PARTITIONS (${DEFAULT_PARTITIONS}), LOG_LEVEL (info).`;

export interface FleetSimArgs {
  help: boolean;
  nodes: number;
  seed: number;
  heartbeatMs: number;
  sampleMs: number;
  namePrefix: string;
}

function integerOption(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new Error(`--${name} must be an integer of at least ${min}, got "${text}"`);
  }
  return value;
}

export function parseFleetSimArgs(argv: string[]): FleetSimArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      nodes: { type: 'string', short: 'n', default: '20' },
      seed: { type: 'string', default: '1' },
      'heartbeat-ms': { type: 'string', default: '5000' },
      'sample-ms': { type: 'string', default: '1000' },
      'name-prefix': { type: 'string', default: 'sim' },
    },
    strict: true,
  });
  if (!SUBJECT_TOKEN_PATTERN.test(values['name-prefix'])) {
    throw new Error(`--name-prefix must contain only letters, digits, "_" and "-", got "${values['name-prefix']}"`);
  }
  return {
    help: values.help,
    nodes: integerOption('nodes', values.nodes, 0),
    seed: integerOption('seed', values.seed, 0),
    heartbeatMs: integerOption('heartbeat-ms', values['heartbeat-ms'], 10),
    sampleMs: integerOption('sample-ms', values['sample-ms'], 10),
    namePrefix: values['name-prefix'],
  };
}

function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const onSignal = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, onSignal);
      resolve(signal);
    };
    for (const s of signals) process.on(s, onSignal);
  });
}

/**
 * `fleet-sim --nodes 20`: connects to NATS_URL, makes sure the streams of
 * VIGIL_NATS_PREFIX exist, and runs the simulated fleet until SIGINT or SIGTERM.
 */
export async function runFleetSimCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const args = parseFleetSimArgs(argv);
  if (args.help) {
    process.stdout.write(`${FLEET_SIM_USAGE}\n`);
    return;
  }
  const tracing = startTracing({ serviceName: 'fleet-sim', instrumentations: [] });
  const logger = createLogger({ service: 'fleet-sim', level: env['LOG_LEVEL'] });
  const natsUrl = env['NATS_URL'] || 'nats://127.0.0.1:4222';
  const partitions = env['VIGIL_PARTITIONS']
    ? integerOption('VIGIL_PARTITIONS', env['VIGIL_PARTITIONS'], 1)
    : DEFAULT_PARTITIONS;
  const topology = createTopology(env['VIGIL_NATS_PREFIX'] ?? '', partitions);

  // NATS_USER with NATS_PASSWORD or NATS_PASSWORD_FILE: the simulated nodes send as the `agent` user.
  const credentials = natsCredentialsFromEnv(env);
  const stopRequested = shutdownSignal();
  const nc = await connect({
    servers: natsUrl.split(','),
    name: `vigil-fleet-sim:${process.pid}`,
    maxReconnectAttempts: -1,
    ...natsAuthOptions({ credentials }),
  });
  logger.info(
    {
      nats_url: redactUrl(natsUrl),
      nats_user: credentials?.user,
      prefix: topology.prefix,
      nodes: args.nodes,
      seed: args.seed,
    },
    'connected to NATS',
  );
  // An authenticated user uses what the admin provisioned; an open server gets the streams made here.
  if (!credentials) await ensureStreams(await jetstreamManager(nc), topology);
  const simulator = new FleetSimulator({
    nc,
    topology,
    logger,
    nodes: args.nodes,
    seed: args.seed,
    heartbeatMs: args.heartbeatMs,
    sampleMs: args.sampleMs,
    namePrefix: args.namePrefix,
  });
  await simulator.start();

  const signal = await stopRequested;
  logger.info({ signal }, 'shutting down');
  await simulator.stop();
  // While the server is unreachable there is nothing to drain into and drain fails.
  await nc.drain().catch(() => nc.close());
  await tracing.shutdown();
}
