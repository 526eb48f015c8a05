import { Client } from 'pg';
import { testUrls, uniqueId } from './env';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh database of its own for one test file; `drop()` removes it, connections and all. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = uniqueId('vigil_test_');
  const admin = new Client({ connectionString: withDatabase(testUrls.postgresAdmin, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(testUrls.postgresAdmin, name),
    async drop() {
      const c = new Client({ connectionString: withDatabase(testUrls.postgresAdmin, 'postgres') });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
