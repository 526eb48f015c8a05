#!/usr/bin/env node
/**
 * `npm run agent:bundle`: the node agent as one CommonJS file with every dependency inside,
 * `apps/node-agent/dist-bundle/vigil-agent.js`, which runs with a bare `node` (>= 22).
 *
 * Built for memory: V8 keeps the whole script's source in the heap for as long as the agent
 * runs, so the bundle is minified, ASCII only (a single other character makes V8 store every
 * character in two bytes), and holds only what the agent uses (see fromSources), with zod's
 * place taken by zod-lite.js.
 */
const { build } = require('esbuild');
const { readFileSync, statSync, writeFileSync } = require('node:fs');
const { join, relative, sep } = require('node:path');

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

/**
 * The libraries (`@vigil/<lib>`) from their TypeScript sources rather than their CommonJS
 * `dist/`: ES modules can be tree-shaken, so the files the agent does not use (the query and
 * event schemas, the service-side telemetry and messaging) stay out, and so does what they
 * import. Their files have no side effects at import (nothing but declarations at the top
 * level), hence `sideEffects: false`. zod is imported as a namespace (`import * as z`) throughout:
 * its `z` export is itself a namespace object, and going through it makes esbuild keep all of
 * zod's exports, its 40-odd locales among them (258 KiB of the bundle).
 */
const fromSources = {
  name: 'vigil-libs-from-sources',
  setup(plugin) {
    const libs = join(root, 'libs') + sep;
    plugin.onResolve({ filter: /^@vigil\/[a-z-]+$/ }, (args) => ({
      path: join(libs, args.path.slice('@vigil/'.length), 'src', 'index.ts'),
      sideEffects: false,
    }));
    plugin.onResolve({ filter: /^\./ }, async (args) => {
      if (!args.importer.startsWith(libs) || args.pluginData === fromSources) return undefined;
      const { path, errors } = await plugin.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: fromSources,
      });
      return errors.length ? { errors } : { path, sideEffects: false };
    });
  },
};

/**
 * zod resolved to `zod-lite.js`: the same contract schemas, built with a small implementation
 * of the part of zod's API they use (~5 MB less RSS; see zod-lite.js and its equivalence test).
 */
const zodLite = {
  name: 'zod-lite',
  setup(plugin) {
    plugin.onResolve({ filter: /^zod$/ }, () => ({ path: join(__dirname, 'zod-lite.js') }));
  },
};

/**
 * Node's modules that libraries require at load time but the agent needs only on some paths:
 * `tls` (nats.js, for a TLS connection), `https` (the OTLP exporter), `readline` (a supervised
 * process's output), `zlib` (the spool's CRC, prom-client's push gateway, the OTLP exporter's
 * compression), `dns` (nats.js, for a server named by host name), `perf_hooks` (prom-client's
 * GC metrics, which the agent does not register), `module` (pino's transports), `assert`
 * (sonic-boom's checks on an error path) and `worker_threads` (pino). Loading `tls` alone costs
 * ~3 MB of RSS (OpenSSL's state), the other seven ~2.4 MB together (measured in an otherwise
 * idle Node 22 with the agent's flags). In the bundle each one is a stand-in that loads the real
 * module on first use of any export: its names are known at build time (those of this Node), so
 * `__toESM`'s copy of them loads nothing; a module that is itself a function (`assert`) is a
 * callable stand-in.
 *
 * Some exports are answered while the module is not loaded, because a library takes them at
 * load time (`const { x } = require(...)`): `tls.TLSSocket` for nats.js'
 * `socket instanceof TLSSocket` (no socket can be a TLS one before `tls` is loaded); the
 * functions `zlib.gzipSync` and `module.createRequire` as forwarders; `perf_hooks.constants`
 * (numbers fixed in Node's source) as built; `worker_threads.isMainThread` as true while the
 * module is not loaded, which only a main thread can be (a worker's bootstrap loads it).
 */
const LAZY_BUILTINS = ['tls', 'https', 'readline', 'zlib', 'dns', 'perf_hooks', 'module', 'assert', 'worker_threads'];
/** Exports answered while the module is not loaded, as JavaScript source that may call `load()`; the rest load it. */
const ANSWERED_UNLOADED = {
  tls: '{ TLSSocket: class { static [Symbol.hasInstance]() { return false; } } }',
  zlib: '{ gzipSync: (...args) => load().gzipSync(...args) }',
  module: '{ createRequire: (...args) => load().createRequire(...args) }',
  perf_hooks: `{ constants: Object.freeze(${JSON.stringify(require('node:perf_hooks').constants)}) }`,
  worker_threads:
    "{ get isMainThread() { return process.moduleLoadList.includes('NativeModule worker_threads') ? load().isMainThread : true; } }",
};
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(plugin) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    plugin.onResolve({ filter }, (args) =>
      // The stand-in's own require is of the real module.
      args.namespace === 'lazy-builtin'
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    plugin.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const real = require(args.path);
      return {
        loader: 'js',
        contents: `
          let real;
          const load = () => (real ??= require('node:${args.path}'));
          const names = ${JSON.stringify(Object.keys(real))};
          const early = ${ANSWERED_UNLOADED[args.path] ?? '{}'};
          module.exports = new Proxy(${typeof real === 'function' ? '() => {}' : '{}'}, {
            get: (_, key) => {
              if (real !== undefined) return real[key];
              if (key in early) return early[key];
              // Not an export (esbuild's interop asks for __esModule): nothing to load for.
              return names.includes(key) ? load()[key] : undefined;
            },
            apply: (_, self, args) => Reflect.apply(load(), self, args),
            has: (_, key) => names.includes(key),
            ownKeys: () => names,
            getOwnPropertyDescriptor: (_, key) =>
              names.includes(key) ? { configurable: true, enumerable: true, get: () => load()[key] } : undefined,
          });
        `,
      };
    });
  },
};

/**
 * pino's transports (a worker thread per transport, through thread-stream) are left out: the
 * agent logs to stdout through pino's own destination (createLogger in @vigil/telemetry), and
 * thread-stream takes `Worker` from worker_threads as pino loads it. A stand-in that says so
 * takes its place.
 */
const withoutPinoTransports = {
  name: 'without-pino-transports',
  setup(plugin) {
    plugin.onResolve({ filter: /^thread-stream$/ }, (args) => ({ path: args.path, namespace: 'left-out-transports' }));
    plugin.onLoad({ filter: /.*/, namespace: 'left-out-transports' }, () => ({
      loader: 'js',
      contents:
        "module.exports = class ThreadStream { constructor() { throw new Error('pino transports are not in the agent bundle'); } };",
    }));
  },
};

/**
 * nats.js' nuid takes its random prefix from `globalThis.crypto.getRandomValues`, and the first
 * touch of `globalThis.crypto` loads Node's WebCrypto (~0.65 MB of RSS, measured as for the lazy
 * builtins); `crypto.randomFillSync` fills the array from the same CSPRNG without it. The build
 * fails if nuid's `fillRandom` is no longer there to replace.
 */
const nuidWithoutWebCrypto = {
  name: 'nuid-without-webcrypto',
  setup(plugin) {
    plugin.onLoad({ filter: /[\\/]@nats-io[\\/]nuid[\\/]lib[\\/]nuid\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const fillRandom = /function fillRandom\(a\) \{\n[\s\S]*?\n\}\n/;
      if (!fillRandom.test(source))
        throw new Error(`${args.path}: no fillRandom(a) to replace; see nuidWithoutWebCrypto`);
      return {
        loader: 'js',
        contents: source.replace(
          fillRandom,
          "function fillRandom(a) {\n    require('node:crypto').randomFillSync(a);\n}\n",
        ),
      };
    });
  },
};

/**
 * esbuild escapes non-ASCII characters in strings but leaves them in regular expression
 * literals (one does: `\u00b5s` in nats-core). A `\uXXXX` escape means
 * the same character there, and in a string or an identifier too; no comment is left to
 * escape (`legalComments: 'none'`).
 */
function asciiOnly(code) {
  return code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Builds the bundle; resolves with its path. */
async function bundle() {
  await build({
    entryPoints: [join(__dirname, '..', 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    charset: 'ascii',
    legalComments: 'none',
    sourcemap: false,
    // ES modules bundled into CommonJS have no import.meta; some OpenTelemetry files need its url.
    define: { 'import.meta.url': '__vigil_import_meta_url' },
    banner: { js: "const __vigil_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [withoutGrpc, withoutPinoTransports, nuidWithoutWebCrypto, lazyBuiltins, zodLite, fromSources],
    logLevel: 'warning',
  });
  writeFileSync(outfile, asciiOnly(readFileSync(outfile, 'utf8')));
  return outfile;
}

module.exports = { bundle, fromSources, lazyBuiltins, nuidWithoutWebCrypto, withoutPinoTransports, zodLite };

if (require.main === module) {
  bundle().then(
    (file) => console.log(`${relative(root, file)}: ${(statSync(file).size / 1024).toFixed(0)} KiB`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
