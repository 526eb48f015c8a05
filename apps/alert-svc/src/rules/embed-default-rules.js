'use strict';
// Writes default-rules.embedded.ts from default-rules.yaml. The build (tsc) ships only compiled
// TypeScript, so the pack travels as a string constant; default-rules.unit.spec.ts fails while
// the two files differ. Run after editing the YAML: node apps/alert-svc/src/rules/embed-default-rules.js
const fs = require('node:fs');
const path = require('node:path');

const yaml = fs.readFileSync(path.join(__dirname, 'default-rules.yaml'), 'utf8');
const ts = `// Generated from default-rules.yaml by embed-default-rules.js: edit the YAML, then run that script.
export const DEFAULT_RULES_YAML = ${JSON.stringify(yaml)};
`;
fs.writeFileSync(path.join(__dirname, 'default-rules.embedded.ts'), ts);
