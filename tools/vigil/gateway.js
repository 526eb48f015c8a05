'use strict';
// `vigil login|logout|whoami|api|users|keys|tokens|password|dlq|backup`: the gateway over HTTP, as a logged-in user. The session
// (gateway URL, access and refresh tokens) is kept in ~/.config/vigil/session.json, mode 0600
// ($XDG_CONFIG_HOME respected); an expired access token is refreshed once, transparently.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const DEFAULT_URL = 'http://localhost:8080';

function sessionFile(env = process.env) {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'vigil', 'session.json');
}

function saveSession(session, file = sessionFile()) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(session, null, 2), { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

function loadSession(file = sessionFile()) {
  if (!fs.existsSync(file)) throw new CliError('not logged in: run `vigil login` first');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

class CliError extends Error {}

/** `--name value` / `--name=value` options and positional words. */
function parseOptions(argv) {
  const options = {};
  const words = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!m) words.push(argv[i]);
    else options[m[1]] = m[2] ?? argv[++i];
  }
  return { options, words };
}

/**
 * A password from a file (`--password-file`, or `fileOption`), $VIGIL_PASSWORD (for `--password-file`
 * only), or the terminal (not echoed), or stdin's first line.
 */
async function readPassword(options, cwd, fileOption = 'password-file', prompt = 'password') {
  if (options[fileOption]) return fs.readFileSync(path.resolve(cwd, options[fileOption]), 'utf8').trim();
  if (fileOption === 'password-file' && process.env.VIGIL_PASSWORD) return process.env.VIGIL_PASSWORD;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  if (process.stdin.isTTY) {
    process.stderr.write(`${prompt}: `);
    rl._writeToOutput = () => {};
  }
  const line = await new Promise((resolve) => rl.once('line', resolve).once('close', () => resolve('')));
  rl.close();
  if (process.stdin.isTTY) process.stderr.write('\n');
  return line;
}

async function post(url, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function failure(res) {
  const text = await res.text();
  try {
    const problem = JSON.parse(text);
    return new CliError(`${res.status}: ${problem.detail ?? problem.error ?? text}`);
  } catch {
    return new CliError(`${res.status}: ${text}`);
  }
}

/** A request as the logged-in user; refreshes the session once on 401. */
async function request(method, apiPath, body) {
  const session = loadSession();
  const send = (token) =>
    fetch(new URL(apiPath, session.url), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  let res = await send(session.accessToken);
  if (res.status === 401 && session.refreshToken) {
    const refreshed = await post(new URL('/api/v1/auth/refresh', session.url), { refreshToken: session.refreshToken });
    if (refreshed.status !== 200) throw new CliError('the session has ended: run `vigil login` again');
    const tokens = await refreshed.json();
    saveSession({ ...session, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    res = await send(tokens.accessToken);
  }
  return res;
}

async function printed(res) {
  if (!res.ok) throw await failure(res);
  if (res.status !== 204) process.stdout.write(`${JSON.stringify(await res.json(), null, 2)}\n`);
  return 0;
}

const USAGE = `Usage:
  vigil login [--url ${DEFAULT_URL}] [--user admin] [--password-file FILE]   (else $VIGIL_PASSWORD or a prompt)
  vigil logout
  vigil whoami
  vigil api <GET|POST|PUT|DELETE> <path> [json body]     e.g. vigil api GET /api/v1/nodes
  vigil users list | get <name> | create <name> --role <viewer|operator|admin> [--password-file FILE]
              | role <name> <role> | password <name> [--password-file FILE] | disable <name>
              | revoke-sessions <name>
  vigil password [--current-password-file FILE] [--password-file FILE]   changes your own password
  vigil keys create --name <name> --role <role> [--days N] [--scope env=prod,…] | list | revoke <id>
              (the key is shown once; a scoped key sees only nodes with those labels and their metrics)
  vigil tokens create [--node <id>] [--ttl SECONDS] [--note TEXT] | list [--state unused|used|expired|revoked]
              | revoke <id>    (enrollment tokens; the token is shown once, the list never shows it)
  vigil dlq list [--service S] [--reason R] [--subject PATTERN] [--after SEQ] [--limit N] [--json]
              | show <service> <seq>
              | redrive <service> (<seq>… | --all [--reason R] [--subject PATTERN])
              | purge <service> (<seq>… | --all [--reason R] [--subject PATTERN])
              (admins; services: registry-svc, metrics-svc, alert-svc, gateway; a pattern: telemetry.samples.*.node1)
              redrive feeds each message back through its service's own checks, once (recorded with you as actor):
              metrics-svc sample batches; registry-svc heartbeats, inventory, agent events and its projections'
              events; alert-svc sample batches (evaluated by the replica holding the evaluator), its projections'
              events and its event readers'; the gateway its read models' events. Outcomes: redriven,
              already_applied, reparked (still invalid, parked again with the reason), failed (stays parked:
              ask again), unsupported, not_found
  vigil backup jobs | job put <id> --file job.json | job pause|resume|delete <id> | run <jobId>
              | runs [--job <id>] [--limit N] | verify <runId>
              | restore <runId> --from <job directory> --into <postgres URL> [--allow-live] [--jobs N]
              (restore runs where the backups are, with pg_restore; see README "Backups")`;

async function login(argv, cwd) {
  const { options } = parseOptions(argv);
  const url = options.url || process.env.VIGIL_URL || DEFAULT_URL;
  const username = options.user || 'admin';
  const password = await readPassword(options, cwd);
  const res = await post(new URL('/api/v1/auth/login', url), { username, password });
  if (res.status !== 200) throw await failure(res);
  const tokens = await res.json();
  const file = sessionFile();
  saveSession({ url, username, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }, file);
  process.stdout.write(`logged in to ${url} as ${tokens.user.username} (${tokens.user.role}); session in ${file}\n`);
  return 0;
}

async function logout() {
  const res = await request('POST', '/api/v1/auth/logout');
  fs.rmSync(sessionFile(), { force: true });
  if (!res.ok && res.status !== 401) throw await failure(res);
  process.stdout.write('logged out\n');
  return 0;
}

async function users(argv, cwd) {
  const { options, words } = parseOptions(argv);
  const [command, name, role] = words;
  switch (command) {
    case 'list':
      return printed(await request('GET', '/api/v1/users'));
    case 'create':
      if (!name || !options.role) throw new CliError('vigil users create <name> --role <role>');
      return printed(
        await request('POST', '/api/v1/users', {
          username: name,
          role: options.role,
          password: await readPassword(options, cwd),
        }),
      );
    case 'get':
      if (!name) throw new CliError('vigil users get <name>');
      return printed(await request('GET', `/api/v1/users/${encodeURIComponent(name)}`));
    case 'password':
      if (!name) throw new CliError('vigil users password <name> [--password-file FILE]');
      return printed(
        await request('PUT', `/api/v1/users/${encodeURIComponent(name)}/password`, {
          password: await readPassword(options, cwd, 'password-file', 'new password'),
        }),
      );
    case 'role':
      return printed(await request('PUT', `/api/v1/users/${encodeURIComponent(name)}/role`, { role }));
    case 'disable':
      return printed(await request('POST', `/api/v1/users/${encodeURIComponent(name)}/disable`));
    case 'revoke-sessions':
      return printed(await request('POST', `/api/v1/users/${encodeURIComponent(name)}/sessions/revoke`));
    default:
      throw new CliError(USAGE);
  }
}

/** The caller's own password: the current one, then the new one. */
async function changeOwnPassword(argv, cwd) {
  const { options } = parseOptions(argv);
  const currentPassword = await readPassword(options, cwd, 'current-password-file', 'current password');
  const newPassword = await readPassword(options, cwd, 'password-file', 'new password');
  await printed(await request('PUT', '/api/v1/account/password', { currentPassword, newPassword }));
  process.stderr.write('password changed\n');
  return 0;
}

/** `env=prod,team=db` → `{ env: 'prod', team: 'db' }`. */
function parseScope(text) {
  const scope = {};
  for (const part of text.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 1) throw new CliError(`--scope: "${part}" is not label=value`);
    scope[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return scope;
}

async function keys(argv) {
  const { options, words } = parseOptions(argv);
  const [command, id] = words;
  switch (command) {
    case 'create': {
      if (!options.name || !options.role)
        throw new CliError('vigil keys create --name <name> --role <role> [--days N] [--scope label=value,…]');
      const body = { name: options.name, role: options.role };
      if (options.days !== undefined) body.expiresInDays = Number(options.days);
      if (options.scope !== undefined) body.scope = parseScope(options.scope);
      const res = await request('POST', '/api/v1/keys', body);
      if (!res.ok) throw await failure(res);
      const created = await res.json();
      process.stdout.write(
        `${created.key}\n\nAPI key ${created.id} (${created.name}, ${created.role}), expires ${created.expiresAt}.\n` +
          'This is the only time the key is shown: keep it now. Send it as `Authorization: Bearer <key>`.\n',
      );
      return 0;
    }
    case 'list':
      return printed(await request('GET', '/api/v1/keys'));
    case 'revoke':
      if (!id) throw new CliError('vigil keys revoke <id>');
      return printed(await request('DELETE', `/api/v1/keys/${encodeURIComponent(id)}`));
    default:
      throw new CliError(USAGE);
  }
}

/** Enrollment tokens (admins): one-time tokens an agent enrolls its node with. */
async function tokens(argv) {
  const { options, words } = parseOptions(argv);
  const [command, id] = words;
  switch (command) {
    case 'create': {
      const body = {};
      if (options.node !== undefined) body.nodeId = options.node;
      if (options.ttl !== undefined) body.ttlSeconds = Number(options.ttl);
      if (options.note !== undefined) body.note = options.note;
      const res = await request('POST', '/api/v1/enrollment-tokens', body);
      if (!res.ok) throw await failure(res);
      const created = await res.json();
      process.stdout.write(
        `${created.token}\n\nEnrollment token ${created.tokenId} for node ${created.nodeId}, expires ${created.expiresAt}.\n` +
          'This is the only time the token is shown. On the node: VIGIL_AGENT_ENROLLMENT_TOKEN=<token> ' +
          `VIGIL_AGENT_NODE_ID=${created.nodeId}.\n`,
      );
      return 0;
    }
    case 'list': {
      const query = new URLSearchParams();
      for (const name of ['state', 'limit', 'offset']) if (options[name] !== undefined) query.set(name, options[name]);
      const qs = query.size ? `?${query}` : '';
      return printed(await request('GET', `/api/v1/enrollment-tokens${qs}`));
    }
    case 'revoke':
      if (!id) throw new CliError('vigil tokens revoke <id>');
      return printed(await request('DELETE', `/api/v1/enrollment-tokens/${encodeURIComponent(id)}`));
    default:
      throw new CliError(USAGE);
  }
}

/** The messages a redrive or purge takes: the sequences named, or `--all` matching the filter. */
function dlqSelection(words, options, all) {
  if (all) {
    if (words.length) throw new CliError('name sequences or --all, not both');
    const filter = {};
    if (options.reason) filter.reason = options.reason;
    if (options.subject) filter.subject = options.subject;
    return Object.keys(filter).length ? { all: true, filter } : { all: true };
  }
  if (!words.length || words.some((w) => !/^\d+$/.test(w)))
    throw new CliError('name the messages by sequence, or --all');
  return { seqs: words.map(Number) };
}

/** One line per parked message: what an operator scans before redriving. */
function printDlqList(page) {
  const rows = page.entries.map((e) => [
    String(e.seq),
    e.service,
    e.reason,
    e.originalSubject,
    String(e.redrives),
    e.parkedAt,
    e.detail.length > 60 ? `${e.detail.slice(0, 59)}…` : e.detail,
  ]);
  const head = ['SEQ', 'SERVICE', 'REASON', 'SUBJECT', 'REDRIVES', 'PARKED AT', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows])
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
  if (page.next !== undefined) process.stderr.write(`more: vigil dlq list --after ${page.next} …\n`);
  if (page.unavailable)
    process.stderr.write(`not answering (their messages are missing): ${page.unavailable.join(', ')}\n`);
}

async function dlq(argv) {
  const all = argv.includes('--all');
  const json = argv.includes('--json');
  const { options, words } = parseOptions(argv.filter((a) => a !== '--all' && a !== '--json'));
  const [command, service, ...rest] = words;
  switch (command) {
    case 'list': {
      if (service)
        throw new CliError('vigil dlq list [--service S] [--reason R] [--subject P] [--after SEQ] [--limit N]');
      const q = new URLSearchParams();
      for (const k of ['service', 'reason', 'subject', 'after', 'limit'])
        if (options[k] !== undefined) q.set(k, options[k]);
      const res = await request('GET', `/api/v1/dlq${q.size ? `?${q}` : ''}`);
      if (json) return printed(res);
      if (!res.ok) throw await failure(res);
      printDlqList(await res.json());
      return 0;
    }
    case 'show':
      if (!service || rest.length !== 1) throw new CliError('vigil dlq show <service> <seq>');
      return printed(await request('GET', `/api/v1/dlq/${encodeURIComponent(service)}/${encodeURIComponent(rest[0])}`));
    case 'redrive':
    case 'purge': {
      if (!service) throw new CliError(`vigil dlq ${command} <service> (<seq>… | --all [--reason R] [--subject P])`);
      const res = await request(
        'POST',
        `/api/v1/dlq/${encodeURIComponent(service)}/${command}`,
        dlqSelection(rest, options, all),
      );
      if (!res.ok) throw await failure(res);
      const reply = await res.json();
      process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
      if (reply.remaining)
        process.stderr.write(
          `${reply.remaining} selected messages not taken (its time budget ran out): run it again\n`,
        );
      else if (reply.more) process.stderr.write(`more messages match: run it again\n`);
      // Anything not done (failed, unsupported, not found) is an exit code a script can see.
      const undone = reply.results.filter((r) => !['redriven', 'already_applied', 'purged'].includes(r.outcome));
      return undone.length ? 3 : 0;
    }
    default:
      throw new CliError(USAGE);
  }
}

/**
 * `vigil backup …`: jobs, runs and drills through the gateway; `restore` runs here, where the
 * backups are (backup-svc's compiled restore command: it reads the directory and runs pg_restore).
 */
async function backup(argv, cwd) {
  const { options, words } = parseOptions(argv.filter((a) => a !== '--allow-live'));
  const [command, id] = words;
  switch (command) {
    case 'jobs':
      return printed(await request('GET', '/api/v1/backups/jobs'));
    case 'job': {
      const [, verb, jobId] = words;
      if (verb === 'put' && jobId && options.file) {
        const job = JSON.parse(fs.readFileSync(path.resolve(cwd, options.file), 'utf8'));
        return printed(await request('PUT', `/api/v1/backups/jobs/${encodeURIComponent(jobId)}`, job));
      }
      if (['pause', 'resume'].includes(verb) && jobId)
        return printed(await request('POST', `/api/v1/backups/jobs/${encodeURIComponent(jobId)}/${verb}`));
      if (verb === 'delete' && jobId)
        return printed(await request('DELETE', `/api/v1/backups/jobs/${encodeURIComponent(jobId)}`));
      throw new CliError('vigil backup job put <id> --file job.json | pause <id> | resume <id> | delete <id>');
    }
    case 'run':
      if (!id) throw new CliError('vigil backup run <jobId>');
      return printed(await request('POST', `/api/v1/backups/jobs/${encodeURIComponent(id)}/run`));
    case 'runs': {
      const query = new URLSearchParams();
      if (options.job !== undefined) query.set('job', options.job);
      if (options.limit !== undefined) query.set('limit', options.limit);
      return printed(await request('GET', `/api/v1/backups/runs${query.size ? `?${query}` : ''}`));
    }
    case 'verify':
      if (!id) throw new CliError('vigil backup verify <runId>');
      return printed(await request('POST', `/api/v1/backups/runs/${encodeURIComponent(id)}/verify`));
    case 'restore': {
      const entry = path.join(__dirname, '..', '..', 'apps/backup-svc/dist/cli/backup-restore.cli.js');
      if (!fs.existsSync(entry)) throw new CliError('apps/backup-svc is not built: run npm run build first');
      return require(entry).runBackupRestoreCli(argv.slice(1), cwd);
    }
    default:
      throw new CliError(
        'vigil backup jobs | job put <id> --file job.json | job pause|resume|delete <id> | run <jobId>\n' +
          '             | runs [--job <id>] [--limit N] | verify <runId>\n' +
          '             | restore <runId> --from <job directory> --into <postgres URL> [--allow-live] [--jobs N]',
      );
  }
}

/** Runs one of this file's commands; the exit code. */
async function runGatewayCli(command, argv, cwd) {
  try {
    switch (command) {
      case 'login':
        return await login(argv, cwd);
      case 'logout':
        return await logout();
      case 'whoami':
        return await printed(await request('GET', '/api/v1/auth/me'));
      case 'api': {
        const [method, apiPath, body] = argv;
        if (!method || !apiPath) throw new CliError(USAGE);
        return await printed(await request(method.toUpperCase(), apiPath, body && JSON.parse(body)));
      }
      case 'users':
        return await users(argv, cwd);
      case 'keys':
        return await keys(argv);
      case 'tokens':
        return await tokens(argv);
      case 'password':
        return await changeOwnPassword(argv, cwd);
      case 'dlq':
        return await dlq(argv);
      case 'backup':
        return await backup(argv, cwd);
      default:
        throw new CliError(USAGE);
    }
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    process.stderr.write(`vigil ${command}: ${e.message}\n`);
    return 1;
  }
}

const COMMANDS = ['login', 'logout', 'whoami', 'api', 'users', 'keys', 'tokens', 'password', 'dlq', 'backup'];

module.exports = { runGatewayCli, COMMANDS, sessionFile };
