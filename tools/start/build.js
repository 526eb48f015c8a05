'use strict';
// Incremental build of every project (tsc -b), then the console (Vite, apps/dashboard), with the tools' own output.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { ROOT } = require('./config');

/** Returns true when the build succeeded; the compiler output goes straight to the terminal. */
function build() {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const result = spawnSync(process.execPath, [tsc, '-b', path.join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) return false;
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const bundle = spawnSync(
    process.execPath,
    [vite, 'build', '--config', path.join(ROOT, 'apps/dashboard/vite.config.mjs')],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  return bundle.status === 0;
}

module.exports = { build };
