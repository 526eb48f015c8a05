// A real, certified OpenID Provider (the `oidc-provider` package) for the gateway's SSO tests,
// run as its own Node process: the package is ES modules only, which Jest's CommonJS loader
// cannot load. Configured by the JSON in OIDC_TEST_CONFIG:
//   { port, clientId, clientSecret, redirectUri, accountsFile }
// where accountsFile holds `{ <login>: { <claims> } }`, read at every login (a test may change it).
// Its development interactions serve the login form (any password) and the consent form.
// Prints `ready <issuer>` once it listens.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const { port, clientId, clientSecret, redirectUri, accountsFile } = JSON.parse(process.env.OIDC_TEST_CONFIG);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['preferred_username', 'name'], email: ['email'], groups: ['groups'] },
  scopes: ['openid', 'profile', 'email', 'groups'],
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
  async findAccount(_ctx, id) {
    const claims = JSON.parse(readFileSync(accountsFile, 'utf8'))[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});
// Development interactions log a warning on every start; nothing else to say here.
provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider: ${err.stack}\n`));

createServer(provider.callback()).listen(port, '127.0.0.1', () => process.stdout.write(`ready ${issuer}\n`));
