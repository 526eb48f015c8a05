import { connect } from '@nats-io/transport-node';
import { createTopology, provisionBus } from '@vigil/contracts';
import { natsAuthOptions, natsCredentialsFromEnv } from '@vigil/messaging';

/**
 * `node libs/platform/dist/cli/provision-bus.js`: creates the streams and the agent-config KV
 * bucket (or brings them up to date) as the NATS user of the environment, which must be `admin`
 * on a server with authorization. NATS_URL, NATS_USER, NATS_PASSWORD or NATS_PASSWORD_FILE,
 * NATS_CA_FILE, VIGIL_NATS_PREFIX, VIGIL_PARTITIONS. docker-compose runs it before the services.
 */
async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const topology = createTopology(env.VIGIL_NATS_PREFIX ?? '', Number(env.VIGIL_PARTITIONS || 16));
  const nc = await connect({
    servers: (env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','),
    name: 'vigil-provision',
    ...natsAuthOptions({ credentials: natsCredentialsFromEnv(env), caFile: env.NATS_CA_FILE || undefined }),
  });
  try {
    await provisionBus(nc, topology);
    process.stdout.write(
      `${JSON.stringify({ streams: Object.values(topology.streams), bucket: topology.buckets.agentConfig })}\n`,
    );
  } finally {
    await nc.close();
  }
}

main(process.env).catch((e: unknown) => {
  process.stderr.write(`provisioning failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
