#!/usr/bin/env node
/**
 * `npm run bench -- fuzz [--scale 20] [--seed N] [--contracts-only]`: the fuzz suites of `npm test`
 * (tools/fuzz/contracts.fuzz.unit.spec.ts: every contract decoder; the gateway's parsers;
 * e2e/gateway-fuzz.e2e.spec.ts: every gateway route in front of the real services) with `--scale`
 * times as many cases and a seed of its own (random unless given, printed so a failure can be replayed). Prints progress to
 * stderr and one JSON object on the last line of stdout: runs, failures, seed, per suite.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');

function parseArgs(argv) {
  const out = { scale: 20, seed: Math.floor(Math.random() * 2 ** 31), contractsOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--scale') out.scale = Number(argv[++i]);
    else if (a === '--seed') out.seed = Number(argv[++i]);
    else if (a === '--contracts-only') out.contractsOnly = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(out.scale > 0 && out.scale <= 10_000)) throw new Error('--scale must be in (0, 10000]');
  if (!Number.isSafeInteger(out.seed)) throw new Error('--seed must be an integer');
  return out;
}

const args = parseArgs(process.argv.slice(2));
const dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-'));
const report = join(dir, 'runs.jsonl');
const suites = [
  'tools/fuzz/contracts.fuzz.unit.spec.ts',
  ...(args.contractsOnly ? [] : ['apps/gateway/src/metrics/parsers.fuzz.unit.spec.ts', 'e2e/gateway-fuzz.e2e.spec.ts']),
];
console.error(`fuzz: seed ${args.seed}, scale ${args.scale}, suites ${suites.join(', ')}`);

const started = Date.now();
const jest = spawnSync(
  join(root, 'node_modules', '.bin', 'jest'),
  [
    '--ci',
    '--runInBand',
    '--testTimeout',
    String(Math.ceil(120_000 * args.scale)),
    '--json',
    '--outputFile',
    join(dir, 'jest.json'),
    ...suites,
  ],
  {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      VIGIL_FUZZ_SEED: String(args.seed),
      VIGIL_FUZZ_SCALE: String(args.scale),
      VIGIL_FUZZ_REPORT: report,
    },
  },
);
const seconds = Math.round((Date.now() - started) / 100) / 10;

const lines = existsSync(report)
  ? readFileSync(report, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
const bySuite = {};
for (const l of lines) {
  const s = (bySuite[l.suite] ??= { runs: 0, failures: 0 });
  s.runs += l.runs;
  s.failures += l.failures;
}
let failedTests = 0;
try {
  const result = JSON.parse(readFileSync(join(dir, 'jest.json'), 'utf8'));
  failedTests = result.numFailedTests + result.numRuntimeErrorTestSuites;
} catch {
  failedTests = 1;
}
const runs = lines.reduce((n, l) => n + l.runs, 0);
const failures = lines.reduce((n, l) => n + l.failures, 0);
const summary = {
  bench: 'fuzz',
  seed: args.seed,
  scale: args.scale,
  runs,
  failures,
  failed_tests: failedTests,
  seconds,
  suites: bySuite,
};
console.log(JSON.stringify(summary));
process.exit(jest.status === 0 && failures === 0 ? 0 : 1);
