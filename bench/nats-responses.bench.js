/**
 * What NATS' `allow_responses` costs nats-server 2.9 when the same user also reads JetStream.
 *
 * The server keeps, for a user with `allow_responses`, every reply subject of every message it
 * delivers to that user's connections (a pull consumer's messages carry their `$JS.ACK` reply
 * subject), and walks that map as it prunes it. Vigil's services have `allow_responses` (they
 * answer `cmd.*`/`qry.*` requests) and read the TELEMETRY stream on the same connection, so at
 * fleet rates the server spends its CPU there and acknowledges the agents' publishes late: the
 * soak's stalls (see bench/README.md, soak).
 *
 * Vigil's services therefore read the streams as one user, without `allow_responses`, and answer
 * requests as a second user (`<service>-rpc`) that has it and reads nothing: the variant
 * `split` measures that arrangement.
 *
 * Each variant runs a private nats-server with one user (the variant's `allow_responses`;
 * `split`: that user without it, and a responder user with it), a stream as TELEMETRY (a subject per node, a 10-min duplicate window) read by three ordered
 * consumers and one durable with explicit acks (as metrics-svc × 2, alert-svc and registry-svc
 * read it), and `--nodes` publishers each sending one message a second with its own id and
 * awaiting JetStream's acknowledgement (as the agent and the chaos fleet do). The reference is
 * the same run without `allow_responses`. In every variant a client also sends 50 requests a
 * second that the service answers (on the reading user's connection, or on the responder's for
 * `split`), as the gateway's queries are.
 *
 *   npm run bench -- nats-responses [--nodes 3000] [--seconds 40]
 *
 * Last line of stdout: { variants: [{ allowResponses, acked, ratePerS, failed, p50Ms, p99Ms,
 * natsCpuS, natsRssMb, requests: { answered, failed, p99Ms } }], ratio: rate with
 * `allow_responses: true` / rate without, ratioMax1, ratioSplit: rate of `split` / rate without }.
 */
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } = require('@nats-io/jetstream');
const { connect } = require('@nats-io/transport-node');
const { findBinary, waitForPort } = require('../tools/chaos/servers');
const { cpuSeconds, rssKb } = require('./lib/proc');

const { values: opts } = parseArgs({
  options: { nodes: { type: 'string', default: '3000' }, seconds: { type: 'string', default: '40' } },
  strict: true,
});
const NODES = Number(opts.nodes);
const SECONDS = Number(opts.seconds);
if (!(NODES >= 1) || !(SECONDS >= 5)) throw new Error('--nodes must be at least 1 and --seconds at least 5');
const log = (line) => process.stderr.write(`[nats-responses] ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const VARIANTS = [
  { name: 'none', allowResponses: undefined },
  { name: 'true', allowResponses: 'true' },
  { name: 'max 1, 10 s', allowResponses: '{ max: 1, expires: "10s" }' },
  // Vigil's arrangement: the reader without it, a responder user (reads nothing) with it.
  { name: 'split', allowResponses: undefined, responder: true },
];
const REQUESTS_PER_S = 50;

async function runVariant(variant, port) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-nats-responses-'));
  const password = 'bench';
  const perms = [
    'publish: { allow: [">"] }',
    'subscribe: { allow: [">"] }',
    ...(variant.allowResponses ? [`allow_responses: ${variant.allowResponses}`] : []),
  ].join(', ');
  const users = [
    `{ user: "svc", password: "${password}", permissions: { ${perms} } }`,
    '{ user: "client", password: "bench", permissions: { publish: { allow: ["rpc.>"] }, subscribe: { allow: ["_INBOX.>"] } } }',
    ...(variant.responder
      ? [
          `{ user: "svc-rpc", password: "${password}", permissions: { publish: { allow: [], deny: [">"] }, subscribe: { allow: ["rpc.>"] }, allow_responses: true } }`,
        ]
      : []),
  ];
  writeFileSync(
    path.join(dir, 'nats.conf'),
    [
      `listen: "127.0.0.1:${port}"`,
      `jetstream { store_dir: ${JSON.stringify(path.join(dir, 'js'))} }`,
      `authorization { users: [ ${users.join(', ')} ] }`,
      '',
    ].join('\n'),
  );
  const server = spawn(findBinary('nats-server'), ['-c', path.join(dir, 'nats.conf')], { stdio: 'ignore' });
  const exited = new Promise((r) => server.once('exit', r));
  const readers = [];
  let nc;
  let rpc;
  let client;
  try {
    await waitForPort(port, 10_000, 'nats-server');
    nc = await connect({ servers: `nats://127.0.0.1:${port}`, user: 'svc', pass: password });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'BENCH', subjects: ['bench.>'], duplicate_window: 600e9, max_age: 3600e9 });
    const js = jetstream(nc);
    let delivered = 0;
    for (let r = 0; r < 3; r++) {
      const c = await js.consumers.get('BENCH', {
        filter_subjects: 'bench.samples.>',
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: 1,
      });
      const it = await c.consume({ max_messages: 2000 });
      readers.push(it);
      void (async () => {
        for await (const _m of it) delivered++;
      })();
    }
    await jsm.consumers.add('BENCH', {
      durable_name: 'heartbeats',
      filter_subject: 'bench.heartbeat.*',
      ack_policy: AckPolicy.Explicit,
      max_ack_pending: 1000,
    });
    const hb = await (await js.consumers.get('BENCH', 'heartbeats')).consume({ max_messages: 500 });
    readers.push(hb);
    void (async () => {
      for await (const m of hb) {
        delivered++;
        m.ack();
      }
    })();

    // The service answers requests: as the reading user, or as its responder.
    rpc = variant.responder
      ? await connect({ servers: `nats://127.0.0.1:${port}`, user: 'svc-rpc', pass: password })
      : nc;
    rpc.subscribe('rpc.>', { queue: 'svc', callback: (_e, m) => m?.respond(m.data) });
    await rpc.flush();
    client = await connect({ servers: `nats://127.0.0.1:${port}`, user: 'client', pass: 'bench' });
    const requestRtts = [];
    let requestsFailed = 0;

    const cpuBefore = await cpuSeconds(server.pid);
    const payload = new Uint8Array(300);
    const rtts = [];
    let failed = 0;
    const end = Date.now() + SECONDS * 1000;
    const asking = (async () => {
      const pending = [];
      for (let i = 0; Date.now() < end; i++) {
        const t = Date.now();
        pending.push(
          client.request(`rpc.q${i % 8}`, payload.subarray(0, 64), { timeout: 5000 }).then(
            () => requestRtts.push(Date.now() - t),
            () => requestsFailed++,
          ),
        );
        await sleep(1000 / REQUESTS_PER_S);
      }
      await Promise.all(pending);
    })();
    await Promise.all([
      asking,
      ...Array.from({ length: NODES }, async (_, i) => {
        await sleep(Math.random() * 1000);
        for (let seq = 0; Date.now() < end; seq++) {
          const t = Date.now();
          const subject = seq % 5 === 0 ? `bench.heartbeat.n${i}` : `bench.samples.${i % 16}.n${i}`;
          try {
            await js.publish(subject, payload, { msgID: `n${i}-${seq}`, timeout: 5000 });
            rtts.push(Date.now() - t);
          } catch {
            failed++;
          }
          const wait = 1000 - (Date.now() - t);
          if (wait > 0) await sleep(wait);
        }
      }),
    ]);
    const natsCpuS = (await cpuSeconds(server.pid)) - cpuBefore;
    const natsRssMb = Math.round((await rssKb(server.pid)) / 1024);
    rtts.sort((a, b) => a - b);
    requestRtts.sort((a, b) => a - b);
    const result = {
      allowResponses: variant.name,
      acked: rtts.length,
      ratePerS: Math.round(rtts.length / SECONDS),
      failed,
      delivered,
      p50Ms: rtts[Math.floor(rtts.length / 2)],
      p99Ms: rtts[Math.floor(rtts.length * 0.99)],
      natsCpuS: Math.round(natsCpuS * 10) / 10,
      natsRssMb,
      requests: {
        answered: requestRtts.length,
        failed: requestsFailed,
        p99Ms: requestRtts[Math.floor(requestRtts.length * 0.99)],
      },
    };
    log(JSON.stringify(result));
    return result;
  } finally {
    for (const it of readers) await it.close().catch(() => undefined);
    if (rpc && rpc !== nc) await rpc.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    server.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  log(`${NODES} publishers, ${SECONDS} s per variant`);
  const variants = [];
  for (const [i, v] of VARIANTS.entries()) variants.push(await runVariant(v, 24_200 + i + (process.pid % 500) * 4));
  const rate = (name) => variants.find((v) => v.allowResponses === name).ratePerS;
  const out = {
    bench: 'nats-responses',
    nodes: NODES,
    seconds: SECONDS,
    variants,
    ratio: Math.round((rate('true') / rate('none')) * 1000) / 1000,
    ratioMax1: Math.round((rate('max 1, 10 s') / rate('none')) * 1000) / 1000,
    ratioSplit: Math.round((rate('split') / rate('none')) * 1000) / 1000,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
