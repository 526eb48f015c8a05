// Lints in-memory sources with the workspace's ESLint config, through ESLint's Node API.
// Input on stdin: [{ "filePath": "apps/x/src/y.ts", "text": "..." }]; output on stdout: one list of
// { ruleId, severity, message } per input. A separate process because ESLint loads
// eslint.config.mjs with import(), which Jest's module sandbox does not support.
import { ESLint } from 'eslint';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const inputs = JSON.parse(readFileSync(0, 'utf8'));
const eslint = new ESLint({ cwd: root, overrideConfigFile: resolve(root, 'eslint.config.mjs') });

const results = [];
for (const { filePath, text } of inputs) {
  const [result] = await eslint.lintText(text, { filePath: resolve(root, filePath) });
  results.push(result.messages.map(({ ruleId, severity, message }) => ({ ruleId, severity, message })));
}
process.stdout.write(JSON.stringify(results));
