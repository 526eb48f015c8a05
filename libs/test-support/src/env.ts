import { randomBytes } from 'node:crypto';

/**
 * Integration tests run against real servers: the URLs in NATS_URL, DATABASE_URL and
 * REDIS_URL when set, else the local default ports (CI starts those servers).
 */
export const testUrls = {
  nats: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  postgresAdmin: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

/** A short random token that isolates one test's subjects, streams, database and keys. */
export function uniqueId(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}
