import { LIVE_LIMITS, Password, z } from '@vigil/contracts';

export const GatewayEnv = z.object({
  VIGIL_RPC_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  /** The key access tokens are signed with (HMAC-SHA256); or the file holding it. One of the two is required. */
  VIGIL_AUTH_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  VIGIL_AUTH_SECRET_FILE: z.string().min(1).optional(),
  /** The first admin's password, used only while no admin exists. */
  VIGIL_ADMIN_PASSWORD: Password.optional(),
  VIGIL_AUTH_ACCESS_TTL_S: z.coerce.number().int().min(10).max(3600).default(900),
  VIGIL_AUTH_REFRESH_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(90 * 24 * 3600)
    .default(7 * 24 * 3600),
  /** Login attempts one client address may make per minute. */
  VIGIL_AUTH_LOGIN_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(30),
  /** Failed logins of one account, in a row, before it is locked for VIGIL_AUTH_LOCKOUT_S. */
  VIGIL_AUTH_LOCKOUT_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  /** express' `trust proxy` (`loopback`, CIDRs, or hops): whose `X-Forwarded-For` names the client. Unset: none. */
  VIGIL_TRUST_PROXY: z.string().min(1).max(500).optional(),
  /** API keys: lifetime when none is asked for, and the longest one may have. */
  VIGIL_API_KEY_DEFAULT_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  VIGIL_API_KEY_MAX_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  VIGIL_AUTH_LOCKOUT_S: z.coerce.number().int().min(1).max(86_400).default(900),
  /** OIDC single sign-on: on when VIGIL_OIDC_ISSUER is set (see auth/oidc/oidc.config.ts). */
  VIGIL_OIDC_ISSUER: z.url().optional(),
  VIGIL_OIDC_CLIENT_ID: z.string().min(1).optional(),
  VIGIL_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  VIGIL_OIDC_CLIENT_SECRET_FILE: z.string().min(1).optional(),
  /** The gateway's callback as registered at the provider: `https://<host>/api/v1/auth/oidc/callback`. */
  VIGIL_OIDC_REDIRECT_URL: z.url().optional(),
  VIGIL_OIDC_SCOPES: z.string().min(1).default('openid profile email groups'),
  /** The ID token claim whose value(s) VIGIL_OIDC_ROLE_MAP maps to a role. */
  VIGIL_OIDC_ROLE_CLAIM: z.string().min(1).default('groups'),
  /** `value=role,…` in order of preference; `*=role` matches anyone; no match refuses the login. */
  VIGIL_OIDC_ROLE_MAP: z.string().min(1).optional(),
  /** Plain-HTTP providers: for tests and development only. */
  VIGIL_OIDC_ALLOW_HTTP: z.stringbool().default(false),
  /** Largest request body in bytes (413 beyond). */
  VIGIL_HTTP_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** Largest JSON response body in bytes: a larger answer is refused with 422 "result too large". */
  VIGIL_HTTP_RESPONSE_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(16 * 1024 * 1024),
  /** Origins allowed to call the API from a browser (CORS), comma separated; empty: CORS off. */
  VIGIL_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url())),
  /** The built web console served at `/`; apps/dashboard/dist beside the gateway if not given. */
  VIGIL_DASHBOARD_DIR: z.string().min(1).max(4096).optional(),
  /** Requests per window: each client address, and each authenticated user or API key (counted in Redis). */
  VIGIL_RATE_LIMIT_WINDOW_S: z.coerce.number().int().min(1).max(3600).default(60),
  VIGIL_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(1200),
  VIGIL_RATE_LIMIT_PER_PRINCIPAL: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** Live API (`GET /ws`): sockets this replica holds at most, in all and per user or API key (503 beyond). */
  VIGIL_LIVE_MAX_SOCKETS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  VIGIL_LIVE_MAX_SOCKETS_PER_PRINCIPAL: z.coerce.number().int().min(1).max(10_000).default(16),
  /** How often every socket's credential is checked again (a revoked one is closed 4001 within this, plus the check). */
  VIGIL_LIVE_RECHECK_MS: z.coerce.number().int().min(100).max(2000).default(2000),
  /** Protocol ping interval; a socket that missed two pongs is terminated. */
  VIGIL_LIVE_PING_MS: z.coerce.number().int().min(100).max(600_000).default(LIVE_LIMITS.ping_ms),
  /** Events one resumption (`since`) replays at most; further behind, the client is sent `reset`. */
  VIGIL_LIVE_RESUME_EVENTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIVE_LIMITS.resume_events)
    .default(LIVE_LIMITS.resume_events),
});
export type GatewayEnv = z.infer<typeof GatewayEnv>;
