import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StoredMsg } from '@nats-io/jetstream';
import { Heartbeat, readSampleBatch } from '@vigil/contracts';
import {
  createTestBus,
  eventually,
  freePort,
  OtlpReceiver,
  ServiceProcess,
  type TestBus,
  testUrls,
} from '@vigil/test-support';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the build script is plain CommonJS
const { bundle } = require('./bundle') as { bundle: () => Promise<string> };

let bus: TestBus;
let dir: string;
let otlp: OtlpReceiver;
beforeAll(async () => {
  bus = await createTestBus();
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-bundle-'));
  otlp = await new OtlpReceiver().start();
});
/** The latest stored message whose subject starts with `prefix`. */
async function latestMessage(prefix: string): Promise<StoredMsg | undefined> {
  const { state } = await bus.jsm.streams.info(bus.topology.streams.telemetry);
  for (let seq = state.last_seq; seq >= state.first_seq && state.messages > 0; seq--) {
    const m = await bus.jsm.streams.getMessage(bus.topology.streams.telemetry, { seq });
    if (m?.subject.startsWith(prefix)) return m;
  }
  return undefined;
}
const latest = async (prefix: string): Promise<unknown> => (await latestMessage(prefix))?.json<unknown>();
const subjectPrefix = (wildcard: string) => wildcard.replace(/\.[*>].*$/, '.');

afterAll(async () => {
  await otlp.stop();
  await bus.jsm.streams.delete(`KV_${bus.topology.buckets.agentConfig}`).catch(() => undefined);
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the agent bundle', () => {
  it('runs alone in a directory without node_modules: heartbeats, batches, /metrics and traces', async () => {
    // Outside the repository and with no NODE_PATH, a module left out of the bundle cannot be found.
    const entry = path.join(dir, 'vigil-agent.js');
    await copyFile(await bundle(), entry);
    const metricsPort = await freePort();
    const agent = new ServiceProcess(
      'node-agent',
      {
        NODE_PATH: '',
        NATS_URL: testUrls.nats,
        VIGIL_NATS_PREFIX: bus.topology.prefix,
        VIGIL_AGENT_STATE_DIR: path.join(dir, 'state'),
        VIGIL_AGENT_HEARTBEAT_MS: '200',
        VIGIL_AGENT_SAMPLE_MS: '200',
        VIGIL_AGENT_METRICS_PORT: String(metricsPort),
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      entry,
    );
    agent.start();
    try {
      await agent.waitHttpOk(`http://127.0.0.1:${metricsPort}/health`);
      const heartbeat = await eventually(() => latest(subjectPrefix(bus.topology.subjects.allHeartbeats())), {
        timeoutMs: 20_000,
        what: 'a heartbeat',
      });
      const batch = await eventually(() => latest(subjectPrefix(bus.topology.subjects.allSamples())), {
        timeoutMs: 5_000,
        what: 'a batch',
      });
      expect(Heartbeat.parse(heartbeat).hostname).toBe(os.hostname());
      expect(readSampleBatch(batch).samples.map((s) => s.name)).toContain('vigil_agent_collector_success');
      const page = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(page).toMatch(/^vigil_agent_collector_success\{collector="cpu",service="node-agent"\} 1$/m);
      await eventually(() => otlp.spans.some((s) => s.service === 'node-agent'), {
        what: 'a span exported over OTLP/HTTP',
      });
      const traced = await latestMessage(subjectPrefix(bus.topology.subjects.allSamples()));
      expect(traced?.header.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  }, 60_000);

  it('is ASCII only: V8 would keep a script with any other character in two bytes per character', async () => {
    const source = await readFile(await bundle(), 'latin1');
    expect(source.match(/[^\p{ASCII}]/gu) ?? []).toEqual([]);
  }, 60_000);

  it('without an OTLP endpoint, starts no OpenTelemetry SDK, sends no traceparent and loads none of the lazy builtins', async () => {
    const entry = path.join(dir, 'vigil-agent.js');
    await copyFile(await bundle(), entry);
    // The OpenTelemetry API keeps what the SDK registers (tracer provider, propagator, context
    // manager, diagnostics logger) in this global; the preload reports it as the agent exits.
    const preload = path.join(dir, 'report-otel-globals.js');
    const report = path.join(dir, 'otel-globals.json');
    await writeFile(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ ` +
        `otel: Object.keys(globalThis[Symbol.for('opentelemetry.js.api.1')] ?? {}), ` +
        `builtins: process.moduleLoadList.filter((m) => /^NativeModule (tls|https|readline|zlib|module|assert|worker_threads|internal\\/crypto\\/webcrypto)$/.test(m)) })));`,
    );
    const metricsPort = await freePort();
    const agent = new ServiceProcess(
      'node-agent',
      {
        NODE_PATH: '',
        NODE_OPTIONS: `--require ${preload}`,
        NATS_URL: testUrls.nats,
        VIGIL_NATS_PREFIX: bus.topology.prefix,
        VIGIL_AGENT_STATE_DIR: path.join(dir, 'state-untraced'),
        VIGIL_AGENT_HEARTBEAT_MS: '200',
        VIGIL_AGENT_SAMPLE_MS: '200',
        VIGIL_AGENT_METRICS_PORT: String(metricsPort),
        VIGIL_AGENT_HOSTNAME: 'untraced',
      },
      entry,
    );
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
    agent.start();
    let sent: StoredMsg | undefined;
    try {
      await agent.waitHttpOk(`http://127.0.0.1:${metricsPort}/health`);
      sent = await eventually(
        async () => {
          const m = await latestMessage(subjectPrefix(bus.topology.subjects.allHeartbeats()));
          return m && Heartbeat.parse(m.json()).hostname === 'untraced' ? m : undefined;
        },
        { timeoutMs: 20_000, what: 'a heartbeat of the untraced agent' },
      );
    } finally {
      expect(await agent.stop()).toBe(0);
    }
    expect(sent?.header.has('traceparent')).toBe(false);
    // No TLS to NATS, no OTLP export, no supervised process, no spool: tls, https, readline,
    // zlib, module, assert and worker_threads stay unloaded.
    expect(JSON.parse(await readFile(report, 'utf8'))).toEqual({ otel: [], builtins: [] });
  }, 60_000);

  it("fills nuid's random prefix without WebCrypto, differently in every process", async () => {
    // Every connection's inboxes start with this prefix: were the replacement to fill it with
    // anything but random bytes, two agents could receive each other's replies.
    const out = path.join(dir, 'nuid-out.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild and the plugin are CommonJS
    const { build } = require('esbuild') as typeof import('esbuild');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { nuidWithoutWebCrypto } = require('./bundle') as Record<'nuidWithoutWebCrypto', import('esbuild').Plugin>;
    await build({
      stdin: {
        contents: `const { nuid, Nuid } = require('@nats-io/nuid');
          console.log(JSON.stringify({ ids: [nuid.next(), nuid.next(), new Nuid().next()],
            webcrypto: process.moduleLoadList.includes('NativeModule internal/crypto/webcrypto') }));`,
        resolveDir: __dirname,
      },
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      plugins: [nuidWithoutWebCrypto],
      logLevel: 'silent',
    });
    const runs: { ids: string[]; webcrypto: boolean }[] = [];
    for (const name of ['nuid-1', 'nuid-2']) {
      const run = new ServiceProcess(name, { NODE_PATH: '' }, out).start();
      expect(await run.waitExit()).toBe(0);
      runs.push(JSON.parse(run.lines.find((l) => l.startsWith('{'))!) as { ids: string[]; webcrypto: boolean });
    }
    const prefix = (id: string) => id.slice(0, 12);
    for (const { ids, webcrypto } of runs) {
      expect(webcrypto).toBe(false);
      expect(ids.every((id) => /^[0-9A-Za-z]{22}$/.test(id))).toBe(true);
      // One generator counts on under one prefix; another one draws its own.
      expect(prefix(ids[1]!)).toBe(prefix(ids[0]!));
      expect(ids[1]).not.toBe(ids[0]);
      expect(prefix(ids[2]!)).not.toBe(prefix(ids[0]!));
    }
    expect(prefix(runs[1]!.ids[0]!)).not.toBe(prefix(runs[0]!.ids[0]!));
  }, 30_000);

  it('bundles the lazy builtins as stand-ins that load the real module on first use, answering what libraries take at load', async () => {
    const script = path.join(dir, 'lazy-entry.js');
    const out = path.join(dir, 'lazy-out.js');
    // As TypeScript's imports come out of esbuild (the spool's CRC): through __toESM's copy.
    await writeFile(
      path.join(dir, 'lazy-esm.mjs'),
      `import { crc32 } from 'node:zlib';\nexport const crc = (s) => crc32(s);\n`,
    );
    await writeFile(
      script,
      `const { isMainThread } = require('worker_threads');
       if (process.argv.includes('in-worker')) require('worker_threads').parentPort.postMessage(isMainThread);
       else main();
       function main() {
       const tls = require('node:tls');
       const readline = require('readline');
       // Taken at load, as prom-client, pino and sonic-boom do.
       const { gzipSync } = require('zlib');
       const { createRequire } = require('module');
       const { constants } = require('perf_hooks');
       const assert = require('assert');
       const ThreadStream = require('thread-stream');
       const lazy = ['tls', 'readline', 'zlib', 'module', 'perf_hooks', 'worker_threads', 'assert'];
       const loaded = (m) => process.moduleLoadList.includes('NativeModule ' + m);
       const { PassThrough } = require('node:stream');
       const report = { before: lazy.filter(loaded), notTls: {} instanceof tls.TLSSocket, keys: Object.keys(tls).includes('connect'), isMainThread };
       report.afterKeys = lazy.filter(loaded);
       report.constants = constants;
       report.crc = require('./lazy-esm.mjs').crc('vigil');
       report.gunzip = require('node:zlib').gunzipSync(gzipSync('vigil')).toString();
       report.required = typeof createRequire(__filename)('node:path').join;
       assert(true, 'callable');
       try { assert.strictEqual(1, 2); } catch (e) { report.assertion = e.code; }
       try { new ThreadStream(); } catch (e) { report.threadStream = e.message; }
       const input = new PassThrough();
       const lines = [];
       readline.createInterface({ input }).on('line', (l) => lines.push(l)).on('close', () => {
         report.lines = lines;
         report.connect = typeof tls.connect;
         report.after = lazy.filter(loaded);
         report.realClass = tls.TLSSocket === require('node:tls').TLSSocket;
         const { Worker } = require('worker_threads');
         // The bundle itself in a worker thread: its stand-in answers false there.
         new Worker(__filename, { argv: ['in-worker'] }).on('message', (m) => {
           report.inWorker = m;
           console.log(JSON.stringify(report));
         });
       });
       input.end('a\\nb\\n');
       }`,
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild and the plugin are CommonJS
    const { build } = require('esbuild') as typeof import('esbuild');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { lazyBuiltins, withoutPinoTransports } = require('./bundle') as Record<
      'lazyBuiltins' | 'withoutPinoTransports',
      import('esbuild').Plugin
    >;
    await build({
      entryPoints: [script],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      plugins: [withoutPinoTransports, lazyBuiltins],
      logLevel: 'silent',
    });
    const run = new ServiceProcess('lazy', { NODE_PATH: '' }, out).start();
    expect(await run.waitExit()).toBe(0);
    expect(JSON.parse(run.lines.find((l) => l.startsWith('{'))!)).toEqual({
      before: [],
      notTls: false,
      keys: true,
      isMainThread: true,
      afterKeys: [],
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      constants: { ...require('node:perf_hooks').constants },
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      crc: require('node:zlib').crc32('vigil'),
      gunzip: 'vigil',
      required: 'function',
      assertion: 'ERR_ASSERTION',
      threadStream: 'pino transports are not in the agent bundle',
      lines: ['a', 'b'],
      connect: 'function',
      after: ['tls', 'readline', 'zlib', 'module', 'assert'],
      realClass: true,
      inWorker: false,
    });
  }, 30_000);
});
