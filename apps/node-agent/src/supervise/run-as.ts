import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** A local account as the system's name service knows it. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export type AccountLookup = (user: string) => Promise<Account>;

export class RunAsError extends Error {
  override readonly name = 'RunAsError';
}

/** Parses one passwd(5) entry: `name:password:uid:gid:gecos:home:shell`. */
export function parsePasswdEntry(line: string): Account {
  const fields = line.trim().split(':');
  const [name, , uid, gid, , home] = fields;
  if (fields.length !== 7 || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) {
    throw new RunAsError(`unexpected passwd entry "${line.trim()}"`);
  }
  return { name, uid: Number(uid), gid: Number(gid), home };
}

const run = promisify(execFile);

/** Looks `user` (a name or a numeric uid) up with `getent passwd`, which also sees LDAP/NSS accounts. */
export const getentAccountLookup: AccountLookup = async (user) => {
  let stdout: string;
  try {
    ({ stdout } = await run('getent', ['passwd', user], { timeout: 5_000 }));
  } catch (e) {
    // getent exits with 2 when the key is not in the database.
    const notFound = (e as { code?: unknown }).code === 2;
    throw new RunAsError(
      notFound ? `no such user "${user}"` : `could not look user "${user}" up: ${(e as Error).message}`,
    );
  }
  return parsePasswdEntry(stdout.split('\n')[0]);
};

/**
 * The account to run a process as. Switching to another user needs a root agent; naming
 * the agent's own user needs no switch and is allowed.
 */
export async function resolveRunAs(user: string, lookup: AccountLookup, agentUid: number): Promise<Account> {
  const account = await lookup(user);
  if (agentUid !== 0 && account.uid !== agentUid) {
    throw new RunAsError(`cannot run as "${user}" (uid ${account.uid}): the agent runs as uid ${agentUid}, not root`);
  }
  return account;
}
