import os from 'node:os';
import { jetstream } from '@nats-io/jetstream';
import { createTopology } from '@vigil/contracts';
import { createLogger, startTracing } from '@vigil/telemetry';
import { Agent } from './agent';
import { systemClock } from './clock';
import { createHostCollectors } from './collectors';
import { ConfigError, loadConfig } from './config';
import { readHostFacts } from './inventory/host-facts';
import { JetStreamPublisher } from './publish/jetstream.publisher';
import { closeNats, connectToNats } from './publish/nats-connection';
import { shutdownSignal } from './shutdown-signal';
import { resolveStateDir, StateDirError } from './state/state-dir';
import { AGENT_VERSION } from './version';

async function main(): Promise<void> {
  const config = loadConfig(process.env, { hostname: os.hostname(), homeDir: os.homedir() });
  const tracing = startTracing({ serviceName: 'node-agent', serviceVersion: AGENT_VERSION, instrumentations: [] });
  const logger = createLogger({ service: 'node-agent', level: config.logLevel });
  const stateDir = await resolveStateDir(config.stateDirCandidates, logger);
  const stopRequested = shutdownSignal();

  logger.info({ nats_url: config.natsUrl }, 'connecting to NATS');
  const nc = await Promise.race([connectToNats(config.natsUrl, logger), stopRequested.then(() => undefined)]);
  if (!nc) {
    logger.info('stopped before NATS was reachable');
    process.exit(0);
  }

  const agent = new Agent(
    {
      topology: createTopology(config.natsPrefix, config.partitions),
      stateDir,
      hostname: config.hostname,
      labels: config.labels,
      heartbeatMs: config.heartbeatMs,
      sampleMs: config.sampleMs,
      inventoryCheckMs: config.inventoryCheckMs,
      nodeIdOverride: config.nodeIdOverride,
    },
    {
      collectors: (agentLogger) => createHostCollectors({ clock: systemClock, logger: agentLogger }),
      hostFacts: readHostFacts,
      publisher: new JetStreamPublisher(jetstream(nc)),
      clock: systemClock,
      logger,
    },
  );
  await agent.start();
  const agentLogger = logger.child({ node_id: agent.nodeId });

  const signal = await stopRequested;
  agentLogger.info({ signal }, 'shutting down');
  await agent.stop();
  await closeNats(nc, agentLogger);
  await tracing.shutdown();
  agentLogger.info('stopped');
  process.exit(0);
}

main().catch((e: unknown) => {
  const expected = e instanceof ConfigError || e instanceof StateDirError;
  process.stderr.write(`node-agent: ${expected ? (e as Error).message : (e as Error).stack || String(e)}\n`);
  process.exit(1);
});
