#!/usr/bin/env node
/**
 * `npm run bench -- <name> [args]`: builds, then runs `bench/<name>.bench.js`. A benchmark
 * prints progress to stderr and one JSON object as the last line of stdout.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.js'))
  .map((f) => f.replace(/\.bench\.js$/, ''));
if (!name || !existsSync(join(root, 'bench', `${name}.bench.js`))) {
  console.error(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}`);
  process.exit(2);
}
const build = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-b', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(process.execPath, [join(root, 'bench', `${name}.bench.js`), ...args], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
