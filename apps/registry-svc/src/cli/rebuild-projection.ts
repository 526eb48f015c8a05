import { connect } from '@nats-io/transport-node';
import { createTopology, registryQueries } from '@vigil/contracts';
import { natsAuthOptions, natsCredentialsFromEnv, requestQuery } from '@vigil/messaging';

/**
 * `npm run registry:rebuild-projection`: asks the running registry-svc to drop the nodes
 * read model and replay the EVENTS stream into it; prints the checkpoint it reached.
 * Uses NATS_URL, NATS_USER with NATS_PASSWORD or NATS_PASSWORD_FILE, and VIGIL_NATS_PREFIX like the services.
 */
async function main(): Promise<void> {
  const nc = await connect({
    servers: (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','),
    name: 'vigil-rebuild',
    ...natsAuthOptions({ credentials: natsCredentialsFromEnv(process.env) }),
  });
  try {
    const reply = await requestQuery(
      nc,
      createTopology(process.env.VIGIL_NATS_PREFIX ?? ''),
      registryQueries.rebuildProjection,
      { projection: 'registry-nodes' },
      Number(process.env.VIGIL_RPC_TIMEOUT_MS ?? 120_000),
    );
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  } finally {
    await nc.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`rebuild failed: ${(e as Error).message}\n`);
  process.exit(1);
});
