'use strict';
// Incremental build of every project (tsc -b), with the compiler's own output.
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
  return result.status === 0;
}

module.exports = { build };
