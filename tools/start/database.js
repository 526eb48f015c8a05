'use strict';
// Creates the database named in DATABASE_URL when it does not exist yet.
const { Client } = require('pg');
const { sleep } = require('./net');

const STARTING_UP = '57P03'; // "the database system is starting up"

async function connectWithRetry(connectionString, attempts = 20) {
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      if (error.code !== STARTING_UP || attempt >= attempts) throw error;
      await sleep(500);
    }
  }
}

/** Returns { name, created }. Connects to the `postgres` maintenance database to do it. */
async function ensureDatabase(databaseUrl) {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username) || 'postgres';
  url.pathname = '/postgres';
  const client = await connectWithRetry(url.toString());
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount > 0) return { name, created: false };
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } catch (error) {
      if (error.code !== '42P04') throw error; // created meanwhile by someone else: fine
    }
    return { name, created: true };
  } finally {
    await client.end();
  }
}

module.exports = { ensureDatabase };
