#!/usr/bin/env node
/**
 * `npm run agent:bundle`: the node agent as one CommonJS file with every dependency inside,
 * `apps/node-agent/dist-bundle/vigil-agent.js`, which runs with a bare `node` (>= 22).
 */
const { build } = require('esbuild');
const { statSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..', '..', '..');
const outfile = join(__dirname, '..', 'dist-bundle', 'vigil-agent.js');

async function bundle() {
  await build({
    entryPoints: [join(__dirname, '..', 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: false,
    sourcemap: false,
    // ES modules bundled into CommonJS have no import.meta; some OpenTelemetry files need its url.
    define: { 'import.meta.url': '__vigil_import_meta_url' },
    banner: { js: "const __vigil_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
  return outfile;
}

module.exports = { bundle, outfile };

if (require.main === module) {
  bundle().then(
    (file) => console.log(`${relative(root, file)}: ${(statSync(file).size / 1024).toFixed(0)} KiB`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
