// Builds the console (apps/dashboard) into apps/dashboard/dist; `npm run build` runs it after tsc -b,
// then tools/build/bundle-budget.js. JSX is compiled for Preact by Vite's own transformer (Oxc), so no
// framework plugin is needed.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The console imports only types from @vigil/contracts (erased by the compiler): a value import would
 * pull zod and the server-side contracts into the browser bundle. This stops the build if one does.
 */
const typesOnlyFromContracts = {
  name: 'vigil-types-only-from-contracts',
  enforce: 'pre',
  resolveId(id, importer) {
    if (id === '@vigil/contracts' || id.startsWith('@vigil/'))
      this.error(`${importer ?? 'the console'} imports ${id} as a value; import only types (import type …)`);
    return null;
  },
};

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  plugins: [typesOnlyFromContracts],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // The polyfill would be an inline script, which the gateway's CSP refuses; every browser the
    // console supports has <link rel="modulepreload">.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
