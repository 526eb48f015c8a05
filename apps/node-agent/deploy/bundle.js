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

/**
 * OTLP over gRPC stays out (a fifth of the bundle, and memory at start): NodeSDK imports it, but
 * the agent's traces go over OTLP/HTTP (startTracing in @vigil/telemetry). An empty module stands in.
 */
const withoutGrpc = {
  name: 'without-grpc',
  setup(plugin) {
    plugin.onResolve({ filter: /^@grpc\/grpc-js$/ }, (args) => ({ path: args.path, namespace: 'left-out' }));
    plugin.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

/** Builds the bundle; resolves with its path. */
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
    plugins: [withoutGrpc],
    logLevel: 'warning',
  });
  return outfile;
}

module.exports = { bundle };

if (require.main === module) {
  bundle().then(
    (file) => console.log(`${relative(root, file)}: ${(statSync(file).size / 1024).toFixed(0)} KiB`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
