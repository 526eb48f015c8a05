import { parseArgs } from 'node:util';

export const RULES_USAGE = `Usage: vigil rules <command> -f <file> [-f <file>…] [options]

  check   validate rules files offline: the rule contract and the annotation templates
  diff    show what applying the files would change in alert-svc (nothing is changed)
  apply   show the diff, then apply it once confirmed (or with --yes)

Options:
  -f, --file <file>  a rules file (YAML, "rules: [...]"); repeat for several files
  --prune            diff/apply: also delete the rules the files do not have
  -y, --yes          apply: do not ask for confirmation
  -h, --help         show this text

Environment: NATS_URL (default nats://127.0.0.1:4222), VIGIL_NATS_PREFIX,
VIGIL_RPC_TIMEOUT_MS (default 30000).`;

/** A command line that cannot be run; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

export type RulesCommand =
  | { command: 'help' }
  | { command: 'check'; files: string[] }
  | { command: 'diff'; files: string[]; prune: boolean }
  | { command: 'apply'; files: string[]; prune: boolean; yes: boolean };

/** Parses the arguments after `vigil rules`. */
export function parseRulesArgs(argv: readonly string[]): RulesCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        file: { type: 'string', short: 'f', multiple: true },
        prune: { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError('missing command: check, diff or apply');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (files go after -f)`);
  if (command !== 'check' && command !== 'diff' && command !== 'apply')
    throw new UsageError(`unknown command "${command}": use check, diff or apply`);
  const files = values.file ?? [];
  if (files.length === 0) throw new UsageError(`${command} needs at least one -f <file>`);
  if (command === 'check') {
    if (values.prune) throw new UsageError('--prune is for diff and apply');
    if (values.yes) throw new UsageError('--yes is for apply');
    return { command, files };
  }
  if (command === 'diff') {
    if (values.yes) throw new UsageError('--yes is for apply');
    return { command, files, prune: values.prune ?? false };
  }
  return { command, files, prune: values.prune ?? false, yes: values.yes ?? false };
}
