'use strict';
// The gateway's secrets on a local platform: the key its access tokens are signed with and the
// first admin's password. Each is generated once into .vigil/ (mode 0600) unless the environment
// sets it, so sessions and the admin survive a restart. The password is never printed: the login
// hint names the file.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

/** The file's content, made first with `make()` (mode 0600) when it does not exist. */
function secretFile(file, make) {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${make()}\n`, { mode: 0o600, flag: 'wx' });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * The environment the gateway gets on top of the platform's, and how to log in.
 * `env` is start.js's own environment: a VIGIL_AUTH_SECRET(_FILE) or VIGIL_ADMIN_PASSWORD
 * there wins.
 */
function gatewayAuth(stateDir, env = process.env) {
  const extra = {};
  if (!env.VIGIL_AUTH_SECRET && !env.VIGIL_AUTH_SECRET_FILE) {
    const file = path.join(stateDir, 'auth-secret');
    secretFile(file, () => crypto.randomBytes(32).toString('base64url'));
    extra.VIGIL_AUTH_SECRET_FILE = file;
  }
  let passwordFile;
  if (!env.VIGIL_ADMIN_PASSWORD) {
    passwordFile = path.join(stateDir, 'admin-password');
    extra.VIGIL_ADMIN_PASSWORD = secretFile(passwordFile, () => crypto.randomBytes(18).toString('base64url'));
  }
  return { env: extra, passwordFile };
}

module.exports = { gatewayAuth };
