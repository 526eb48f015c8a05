/**
 * What tests start a real gateway with: the signing key of its access tokens and the first
 * admin's password (test values, never a deployment's).
 */
export const testGatewayAuth = {
  adminUser: 'admin',
  adminPassword: 'e2e-admin-password-0123',
  env: {
    VIGIL_AUTH_SECRET: 'e2e-only-access-token-signing-key-0123456789',
    VIGIL_ADMIN_PASSWORD: 'e2e-admin-password-0123',
  },
} as const;

/** Logs in at a gateway (`base`: `http://host:port`) and answers the access token. */
export async function loginToGateway(
  base: string,
  username: string = testGatewayAuth.adminUser,
  password: string = testGatewayAuth.adminPassword,
): Promise<string> {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (r.status !== 200) throw new Error(`login as ${username} at ${base}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { accessToken: string }).accessToken;
}
