import type { SupervisedProcess } from '@vigil/contracts';
import type { ProcessSpec } from './process-spawner';
import type { Account } from './run-as';

/**
 * How to spawn `definition`. The environment is `baseEnv` (what the agent chooses to pass
 * on, typically PATH), the account's HOME/USER/LOGNAME when it runs as another user, then
 * the definition's own `env`: the agent's environment, credentials included, is not inherited.
 * Node drops supplementary groups when it switches uid/gid.
 */
export function processSpec(
  definition: SupervisedProcess,
  baseEnv: Record<string, string>,
  account?: Account,
): ProcessSpec {
  const accountEnv: Record<string, string> = account
    ? { HOME: account.home, USER: account.name, LOGNAME: account.name }
    : {};
  return {
    command: definition.command,
    args: definition.args,
    env: { ...baseEnv, ...accountEnv, ...definition.env },
    cwd: definition.workingDir,
    uid: account?.uid,
    gid: account?.gid,
  };
}

/** What supervised processes get of the agent's environment: where programs are, locale and time zone. */
const INHERITED = ['PATH', 'LANG', 'LC_ALL', 'TZ'] as const;

export function inheritedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(INHERITED.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])));
}
