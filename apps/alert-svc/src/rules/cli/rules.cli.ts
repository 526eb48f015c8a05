import { VigilError } from '@vigil/contracts';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseRulesArgs, RULES_USAGE, UsageError } from './args';
import { type CliIo, runApply, runCheck, runDiff } from './commands';
import { connectRulesService, natsSettingsFromEnv } from './nats-rules-service';

/**
 * `vigil rules …` (tools/vigil/vigil.js loads this from the build). Files are relative to
 * `cwd`. Exit codes: 0 done, 1 invalid files, refused or failed, 2 a wrong command line.
 */
export async function runRulesCli(argv: readonly string[], cwd: string): Promise<number> {
  let command;
  try {
    command = parseRulesArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`vigil rules: ${e.message}\n\n${RULES_USAGE}\n`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(`${RULES_USAGE}\n`);
    return 0;
  }
  const io = terminalIo(cwd);
  if (command.command === 'check') return runCheck(command.files, io);

  const settings = natsSettingsFromEnv(process.env);
  let service;
  try {
    service = await connectRulesService(settings);
  } catch (e) {
    io.err(`vigil rules: ${(e as Error).message}`);
    return 1;
  }
  try {
    const opts = { ...command, actor: cliActor() };
    return command.command === 'diff'
      ? await runDiff(opts, io, service)
      : await runApply({ ...opts, yes: command.yes }, io, service);
  } catch (e) {
    if (!(e instanceof VigilError)) throw e;
    const where = settings.prefix ? ` (NATS ${settings.url}, prefix "${settings.prefix}")` : ` (NATS ${settings.url})`;
    io.err(`vigil rules: ${e.message}${e.type === 'unavailable' ? where : ''}`);
    return 1;
  } finally {
    await service.close();
  }
}

/** `cli:<user>@<host>`, the actor alert-svc records for the changes. */
export function cliActor(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? 'unknown';
  }
  return `cli:${user}@${hostname()}`;
}

function terminalIo(cwd: string): CliIo {
  const interactive = process.stdin.isTTY && process.stdout.isTTY;
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    readFile: (file) => readFileSync(resolve(cwd, file), 'utf8'),
    ...(interactive && {
      confirm: async (question: string) => {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
          return /^y(es)?$/i.test((await rl.question(question)).trim());
        } finally {
          rl.close();
        }
      },
    }),
  };
}
