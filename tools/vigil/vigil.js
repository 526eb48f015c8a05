#!/usr/bin/env node
'use strict';
// `vigil <group> …` (`npm run vigil -- rules check -f rules.yaml`): the operator's command line.
// Each group lives, compiled, in the project that owns it; this file only picks the group.
// Run `npm run build` first.
const fs = require('node:fs');
const path = require('node:path');

const { COMMANDS: GATEWAY_COMMANDS, runGatewayCli } = require('./gateway');

const ROOT = path.join(__dirname, '..', '..');
const GROUPS = {
  rules: {
    entry: 'apps/alert-svc/dist/rules/cli/rules.cli.js',
    run: 'runRulesCli',
    about: 'check, diff and apply alert rules files',
  },
};

const USAGE = `Usage: vigil <group> <command> [options]

${Object.entries(GROUPS)
  .map(([name, g]) => `  ${name.padEnd(8)} ${g.about} (vigil ${name} --help)`)
  .join('\n')}
  login    log in to the gateway (--url, --user, --password-file); then logout, whoami,
           api <METHOD> <path> [body], users list|get|create|role|password|disable|revoke-sessions,
           keys create|list|revoke, tokens create|list|revoke (enrollment), password (your own),
           dlq list|show|redrive|purge, backup jobs|job|run|runs|verify|restore`;

// `npm run` runs scripts in the repository root; files on the command line are relative to
// where the user typed it, which npm passes as INIT_CWD.
const cwd = process.env.npm_lifecycle_event === 'vigil' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();

async function main(argv) {
  const [group, ...rest] = argv;
  if (group === undefined || group === '-h' || group === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return group === undefined ? 2 : 0;
  }
  if (GATEWAY_COMMANDS.includes(group)) return runGatewayCli(group, rest, cwd);
  const g = GROUPS[group];
  if (!g) {
    process.stderr.write(`vigil: unknown group "${group}"\n\n${USAGE}\n`);
    return 2;
  }
  const entry = path.join(ROOT, g.entry);
  if (!fs.existsSync(entry)) {
    process.stderr.write(`vigil: ${g.entry} is missing: run npm run build first\n`);
    return 1;
  }
  return require(entry)[g.run](rest, cwd);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`vigil: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 1;
  },
);
