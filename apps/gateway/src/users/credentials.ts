import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { Database } from '@vigil/platform';

/**
 * Password hashes (Argon2id, OWASP's parameters: 19 MiB, 2 passes, 1 lane) in
 * `gateway.credentials`. They never leave this class: not in events, logs nor answers.
 */
@Injectable()
export class Credentials {
  /** Verified against when the user has no hash, so an unknown user costs the same time as a wrong password. */
  private readonly decoy: Promise<string>;

  constructor(private readonly db: Database) {
    this.decoy = hashPassword(randomBytes(16).toString('hex'));
  }

  async set(username: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.db.query(
      'credentials_set',
      `INSERT INTO gateway.credentials (username, password_hash, changed_at) VALUES ($1, $2, now())
       ON CONFLICT (username) DO UPDATE SET password_hash = $2, changed_at = now()`,
      [username, passwordHash],
    );
  }

  /** Whether `password` is the user's; false for a user without one (after the same work). */
  async check(username: string, password: string): Promise<boolean> {
    const [row] = await this.db.query<{ password_hash: string }>(
      'credentials_get',
      'SELECT password_hash FROM gateway.credentials WHERE username = $1',
      [username],
    );
    const ok = await verify(row?.password_hash ?? (await this.decoy), password).catch(() => false);
    return ok && row !== undefined;
  }
}

/** `Algorithm.Argon2id`: the package declares a `const enum`, which per-file compilers (swc in the tests) cannot inline. */
const ARGON2ID = 2 as Algorithm;

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}
