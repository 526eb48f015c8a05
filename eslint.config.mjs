// ESLint flat config for the whole workspace (`npm run lint`, and `nx lint <project>`).
import js from '@eslint/js';
import nxPlugin from '@nx/eslint-plugin';
import { defineConfig, globalIgnores } from 'eslint/config';
import nxDevkit from 'nx/src/devkit-exports.js';
import tseslint from 'typescript-eslint';

// @nx/enforce-module-boundaries only reads the project graph Nx has cached on disk, and silently
// skips every check when there is none (a fresh clone, CI). Outside an Nx task, build the graph
// first so the rule always runs on current tags; inside an Nx task the graph was just built.
if (!process.env.NX_TASK_TARGET_PROJECT) {
  await nxDevkit.createProjectGraphAsync({ exitOnError: true });
}

const apps = [
  'gateway',
  'registry-svc',
  'metrics-svc',
  'alert-svc',
  'backup-svc',
  'node-agent',
  'fleet-sim',
  'dashboard',
];
const libs = ['contracts', 'telemetry', 'messaging', 'event-store', 'platform', 'test-support'];

/** Who may depend on whom: tags live in each project's project.json. */
const typeConstraints = (testingAllowed) => [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', ...testingAllowed] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', ...testingAllowed] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:lib', 'type:contracts'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
];
const scopeConstraints = [
  ...apps.map((app) => ({ sourceTag: `scope:${app}`, onlyDependOnLibsWithTags: [`scope:${app}`, 'scope:shared'] })),
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
];
const boundaries = (testingAllowed) => [
  'error',
  {
    // Apps are never importable (Nx reports "Imports of apps are forbidden"), relative imports that
    // leave a project are reported, and every import must satisfy all of these constraints.
    // Self-imports are left to no-restricted-imports below: the rule's own check crashes while
    // computing its auto-fix when the imported name is re-exported from a package (Nx 23.2).
    allowCircularSelfDependency: true,
    allow: [],
    depConstraints: [...typeConstraints(testingAllowed), ...scopeConstraints],
  },
];

// Everything Node defines globally, plus the CommonJS module wrapper's names, for plain JS files.
const nodeGlobals = Object.fromEntries(
  [...Object.getOwnPropertyNames(globalThis), 'require', 'module', 'exports', '__dirname', '__filename']
    .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name))
    .map((name) => [name, 'readonly']),
);

// The Nx rule resolves projects through tsconfig paths, which name only the libraries, so it cannot
// see `@vigil/<app>` (npm workspace links): those, deep imports into a library and a project
// importing itself by its own name are banned here.
const restrictedImports = (self) => [
  'error',
  {
    patterns: [
      {
        regex: `^@vigil/(${apps.join('|')})(/|$)`,
        message: 'Apps are never imported: talk to a service over NATS (see @vigil/contracts).',
      },
      { regex: '^@vigil/[^/]+/', message: 'Import a library through its entry point (@vigil/<lib>), never its files.' },
      ...(self
        ? [{ regex: `^@vigil/${self}$`, message: 'Inside a project, import its own files by relative path.' }]
        : []),
    ],
  },
];

const unusedVars = [
  'error',
  {
    argsIgnorePattern: '^_',
    varsIgnorePattern: '^_',
    caughtErrorsIgnorePattern: '^_',
    destructuredArrayIgnorePattern: '^_',
  },
];

export default defineConfig(
  globalIgnores([
    '**/dist/**',
    '**/dist-bundle/**',
    '**/node_modules/**',
    '.vigil/**',
    '**/coverage/**',
    '.nx/**',
    'tmp/**',
  ]),

  {
    files: ['**/*.{js,cjs,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2024, sourceType: 'commonjs', globals: nodeGlobals },
    rules: { 'no-unused-vars': unusedVars },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },

  {
    // TypeScript, and the console's TSX (apps/dashboard: JSX for Preact, browser globals).
    files: ['**/*.{ts,tsx}'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': unusedVars,
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },

  {
    files: ['apps/**/*.{ts,tsx,js}', 'libs/**/*.{ts,js}'],
    plugins: { '@nx': nxPlugin },
    rules: { '@nx/enforce-module-boundaries': boundaries([]) },
  },
  {
    // Only tests may use the shared test kit.
    files: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(['type:testing']) },
  },
  { files: ['**/*.{ts,tsx,js,cjs,mjs}'], rules: { 'no-restricted-imports': restrictedImports(null) } },
  ...libs.map((lib) => ({
    files: [`libs/${lib}/**/*.{ts,js}`],
    rules: { 'no-restricted-imports': restrictedImports(lib) },
  })),

  {
    // Services log through pino (structured JSON with trace ids); console output bypasses that.
    files: ['apps/*/src/**/*.{ts,tsx}', 'libs/*/src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Command-line entry points talk to a human on a terminal.
    files: ['apps/node-agent/src/main.ts', '**/src/cli.ts', '**/src/cli/**/*.ts', '**/src/**/*.cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
