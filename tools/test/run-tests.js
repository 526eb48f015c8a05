#!/usr/bin/env node
/**
 * `npm test`: builds every project (the end-to-end suites start the built
 * services, and the console's browser suites load the built console), then runs Jest three
 * times: unit and integration suites two at a time; the end-to-end suites that assert no time
 * bound, two at a time; then those that do (a `toBeLessThan…` in the file: latencies, lags,
 * durations, unless the file says its bounds are not times), one at a time, so their timing assertions never compete for the two cores with
 * another suite. Extra arguments go to every Jest run. Ends with one line `N passed, N failed,
 * N skipped`.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readdirSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const extra = process.argv.slice(2);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

if (run(bin('tsc'), ['-b', 'tsconfig.build.json']) !== 0) {
  console.error('build failed');
  process.exit(1);
}
if (run('npm', ['run', '--silent', 'build:console']) !== 0) {
  console.error('the console (apps/dashboard) did not build');
  process.exit(1);
}

const out = mkdtempSync(join(tmpdir(), 'vigil-jest-'));
const e2eDir = join(root, 'e2e');
// A suite asserting a bound that is not a time (a status, a count, memory) says so in a comment.
const UNTIMED = 'the bounds it asserts are not times';
const timed = readdirSync(e2eDir)
  .filter((f) => {
    if (!f.endsWith('.e2e.spec.ts')) return false;
    const text = readFileSync(join(e2eDir, f), 'utf8');
    return /toBeLessThan/.test(text) && !text.includes(UNTIMED);
  })
  .map((f) => `/e2e/${f.replace(/\./g, '\\.')}$`);
const phases = [
  // Jest's default on two cores is one worker; the integration suites mostly wait on their servers.
  { name: 'unit + integration', args: ['--maxWorkers=2', '--testPathIgnorePatterns', '/e2e/'] },
  {
    name: 'end-to-end, two at a time (no time bound asserted)',
    args: ['--maxWorkers=2', '--testPathPatterns', '/e2e/', '--testPathIgnorePatterns', ...timed],
  },
  { name: 'end-to-end, one at a time (time bounds asserted)', args: ['--runInBand', '--testPathPatterns', ...timed] },
];
const totals = { passed: 0, failed: 0, skipped: 0 };
let exit = 0;
for (const [i, phase] of phases.entries()) {
  console.log(`\n=== ${phase.name} ===`);
  const file = join(out, `phase-${i}.json`);
  const code = run(bin('jest'), ['--ci', ...phase.args, '--json', '--outputFile', file, ...extra]);
  let result;
  try {
    result = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    console.error(`${phase.name}: Jest wrote no results (exit ${code})`);
    exit = 1;
    continue;
  }
  totals.passed += result.numPassedTests;
  totals.failed += result.numFailedTests + result.numRuntimeErrorTestSuites;
  totals.skipped += result.numPendingTests + result.numTodoTests;
  if (code !== 0) exit = code;
}
if (totals.passed + totals.failed === 0) exit = exit || 1;
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exit);
