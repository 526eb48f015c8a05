import os from 'node:os';
import path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { type AgentConfig, createTopology, signMessage } from '@vigil/contracts';
import { createLogger, createMetricsRegistry, startExportingTracing } from '@vigil/telemetry';
import { Agent } from './agent';
import { systemClock } from './clock';
import { createHostCollectors } from './collectors';
import { createProcReader } from './collectors/file-reader';
import { ConfigError, loadConfig } from './config/boot-config';
import { readFileLayer, reloadOnSighup } from './config/config-file';
import { ConfigManager } from './config/config-manager';
import { DeferredRemoteConfig } from './config/deferred-remote-config';
import { KvConfigSource } from './config/kv-config-source';
import { collectHeapPeriodically } from './heap-collection';
import { readHostFacts } from './inventory/host-facts';
import { NatsConnector } from './publish/nats-connection';
import { CredentialStore } from './identity/credentials';
import { enroll } from './identity/enrollment';
import { MessageStamper } from './identity/message-stamper';
import { LIVE_PUBLISH_TIMEOUT_MS, NatsLink } from './publish/nats-link';
import type { OutboundMessage } from './publish/publisher';
import { AgentMetrics } from './self-metrics/agent-metrics';
import { MetricsServer } from './self-metrics/metrics-server';
import { shutdownSignal } from './shutdown-signal';
import { FileSpool, SPOOL_SUBDIR } from './spool/file-spool';
import { spoolLimits } from './spool/segment-plan';
import { SpoolingPublisher } from './spool/spooling.publisher';
import { createHttpScraper, ScrapeCollector } from './scrape';
import { loadOrCreateNodeId } from './state/node-identity';
import { resolveStateDir, StateDirError } from './state/state-dir';
import { createHostSupervisor, SupervisorCollector, SupervisorEventPublisher } from './supervise';
import { AGENT_VERSION } from './version';

async function main(): Promise<void> {
  const config = loadConfig(process.env, { hostname: os.hostname(), homeDir: os.homedir() });
  // Without an OTLP endpoint, no OpenTelemetry SDK: its spans would go nowhere.
  const tracing = startExportingTracing({
    serviceName: 'node-agent',
    serviceVersion: AGENT_VERSION,
    instrumentations: [],
  });
  const logger = createLogger({ service: 'node-agent', level: config.logLevel });
  const stopCollectingHeap = collectHeapPeriodically(logger);
  const stateDir = await resolveStateDir(config.stateDirCandidates, logger);
  const fileLayer = await readFileLayer(config.configFile);
  const agentConfig = ConfigManager.create(
    [...(fileLayer ? [fileLayer] : []), { name: 'env', document: config.overrides }],
    logger,
  );
  const stopReloading = reloadOnSighup(config.configFile, agentConfig, logger);
  const registry = createMetricsRegistry('node-agent');
  const metrics = new AgentMetrics(registry);
  const metricsServer = new MetricsServer(registry, logger);
  await metricsServer.listen(agentConfig.current().metrics);
  agentConfig.onChange((changed) => void metricsServer.listen(changed.metrics));
  const stopRequested = shutdownSignal();

  logger.info(
    { nats_url: config.natsUrl, nats_user: config.natsCredentials?.user, nats_tls_ca: config.natsCaFile },
    'connecting to NATS',
  );
  // In the background: the agent collects, and spools, while NATS is unreachable.
  const nats = new NatsConnector(
    { url: config.natsUrl, credentials: config.natsCredentials, caFile: config.natsCaFile },
    logger,
  );

  const topology = createTopology(config.natsPrefix, config.partitions);
  const { nodeId } = config.nodeIdOverride ? { nodeId: config.nodeIdOverride } : await loadOrCreateNodeId(stateDir);
  const credentialStore = new CredentialStore(stateDir);
  let credentials = await credentialStore.loadOrCreate(nodeId);
  const stamper = await MessageStamper.start(stateDir, systemClock);
  const sign = (m: OutboundMessage) => signMessage(credentials.privateKey, m, stamper.next());
  const spool = await FileSpool.open(
    config.spoolDir ?? path.join(stateDir, SPOOL_SUBDIR),
    spoolLimits(agentConfig.current().spool.maxBytes),
    logger,
  );
  agentConfig.onChange((changed) => spool.setLimits(spoolLimits(changed.spool.maxBytes)));
  const link = new NatsLink(LIVE_PUBLISH_TIMEOUT_MS, sign);
  const publisher = new SpoolingPublisher(link, spool, logger);
  metrics.observeSpool(() => publisher.metrics());
  // Before the agent: the spool may hold messages of an earlier run, and they go first.
  publisher.start();
  // Messages are signed from the start, but go live (and the spool is replayed) only once
  // connected and, when the node has a token to use, enrolled: until then a registry that
  // requires enrollment would refuse them, so they wait in the spool.
  const goingLive = nats.connected.then(async (nc) => {
    if (config.enrollmentToken && !credentials.enrolledAt) {
      credentials = await enroll(
        nc,
        topology,
        credentialStore,
        credentials,
        config.enrollmentToken,
        config.hostname,
        logger,
      );
    }
    link.open(nc);
  });
  const liveFailed = new Promise<{ failure: unknown }>(
    (resolve) => void goingLive.catch((failure: unknown) => resolve({ failure })),
  );
  const supervisor = createHostSupervisor({ clock: systemClock, logger, env: process.env });
  const supervisorEvents = new SupervisorEventPublisher(topology, publisher, logger);
  metrics.observePublishFailures('agent-event', () => supervisorEvents.failures);
  const scraper = createHttpScraper({ clock: systemClock, logger });
  const agent = new Agent(
    {
      topology,
      stateDir,
      hostname: config.hostname,
      nodeIdOverride: config.nodeIdOverride,
    },
    {
      collectors: (agentLogger, settings) => [
        ...createHostCollectors({ clock: systemClock, logger: agentLogger }, settings.collectors),
        { collector: new SupervisorCollector({ supervisor, proc: createProcReader() }) },
        { collector: new ScrapeCollector(scraper) },
      ],
      config: agentConfig,
      remoteConfig: new DeferredRemoteConfig(
        nats,
        (nc) =>
          new KvConfigSource(new Kvm(jetstream(nc)), agentConfig, logger, {
            bucket: topology.buckets.agentConfig,
            initialLoadTimeoutMs: 5_000,
            retryDelayMs: 1_000,
          }),
      ),
      hostFacts: readHostFacts,
      publisher,
      metrics,
      clock: systemClock,
      logger,
    },
  );
  await agent.start();
  const agentLogger = logger.child({ node_id: agent.nodeId });
  // Supervisor events carry the node id, known once the agent has started: processes start after it.
  supervisor.subscribe((event) => void supervisorEvents.publish({ nodeId: agent.nodeId, ...event }));
  const superviseAndScrape = (current: AgentConfig) => {
    void supervisor.apply(current.supervise);
    void scraper.apply(current.scrape);
  };
  superviseAndScrape(agentConfig.current());
  const stopFollowingConfig = agentConfig.onChange(superviseAndScrape);

  // A refused enrollment stops the agent as a signal does, and then fails it.
  const end = await Promise.race([stopRequested.then((signal) => ({ signal })), liveFailed]);
  if ('signal' in end) agentLogger.info({ signal: end.signal }, 'shutting down');
  else agentLogger.error({ err: end.failure }, 'cannot publish to NATS; shutting down');
  await agent.stop();
  stopFollowingConfig();
  await scraper.stop();
  await supervisor.stop();
  await supervisorEvents.settled();
  await publisher.stop();
  await spool.close();
  stopReloading();
  await metricsServer.close();
  await nats.close(agentLogger);
  await tracing.shutdown();
  stopCollectingHeap();
  agentLogger.info('stopped');
  if ('failure' in end) throw end.failure;
  process.exit(0);
}

main().catch((e: unknown) => {
  const expected = e instanceof ConfigError || e instanceof StateDirError;
  process.stderr.write(`node-agent: ${expected ? (e as Error).message : (e as Error).stack || String(e)}\n`);
  process.exit(1);
});
