#!/usr/bin/env node
'use strict';
/**
 * `npm run chaos [-- --minutes N --nodes N]`: builds, then runs the chaos proof (tools/chaos/chaos.js)
 * against a private platform. One cycle (every service killed and paused, NATS, Postgres and Redis
 * restarted) by default; with --minutes, cycles repeat until that much time has passed. Prints the
 * verdict on stderr and the report as JSON on the last line of stdout; exits 1 on any loss or
 * duplicate.
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { parseArgs } = require('node:util');

const USAGE = `usage: npm run chaos -- [--minutes N] [--nodes N] [--hot N] [--outage-s S] [--no-build]
  --minutes   repeat the cycle until N minutes have passed (default 0: one cycle)
  --nodes     simulated nodes (default 30), --hot of them above the CPU rule's threshold (default 4)
  --outage-s  how long NATS, Postgres and Redis stay down at each restart (default 2.5)`;
const root = join(__dirname, '..', '..');

function integer(name, text, min) {
  const v = Number(text);
  if (!/^\d+$/.test(text) || v < min) throw new Error(`--${name} must be an integer of at least ${min}, got "${text}"`);
  return v;
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        minutes: { type: 'string', default: '0' },
        nodes: { type: 'string', default: '30' },
        hot: { type: 'string', default: '4' },
        'outage-s': { type: 'string', default: '2.5' },
        'no-build': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
    if (values.help) return void process.stdout.write(`${USAGE}\n`);
    values.minutes = integer('minutes', values.minutes, 0);
    values.nodes = integer('nodes', values.nodes, 1);
    values.hot = integer('hot', values.hot, 0);
    values.outageMs = Math.round(Number(values['outage-s']) * 1000);
    if (!(values.outageMs >= 500))
      throw new Error(`--outage-s must be a number of at least 0.5, got "${values['outage-s']}"`);
    if (values.hot > values.nodes) throw new Error('--hot cannot exceed --nodes');
  } catch (e) {
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (!values['no-build']) {
    const build = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-b', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  const { runChaos, formatReport, stopAll } = require('./chaos');
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.once(signal, () => {
      process.stderr.write(`${signal}: stopping the private platform\n`);
      stopAll().finally(() => process.exit(130));
    });
  const report = await runChaos({
    minutes: values.minutes,
    nodes: values.nodes,
    hot: values.hot,
    outageMs: values.outageMs,
  });
  process.stderr.write(`${formatReport(report)}\n`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(report.passed ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`chaos run failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
