import { type BeforeApplicationShutdown, Injectable, type OnModuleInit } from '@nestjs/common';
import { NotFoundError, UnavailableError } from '@vigil/contracts';
import { InjectConfig, Observability, type ServiceConfig } from '@vigil/platform';
import * as client from 'openid-client';
import type { GatewayEnv } from '../../config';
import { type OidcSettings, oidcSettings } from './oidc.config';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 60_000;

/** What the callback needs to finish the flow it started: never leaves the server. */
export interface FlowChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The identity the provider vouched for, and the claims the ID token (or else userinfo) carries. */
export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
}

/**
 * The gateway as an OpenID Connect relying party, through openid-client (certified): it builds
 * the authorization request (code flow, PKCE S256, state, nonce) and checks the answer (the
 * state, the code exchange, the ID token's signature, issuer, audience, nonce and expiry).
 * Discovery runs at start and is retried with backoff while the provider does not answer; until
 * it has, single sign-on answers 503 and password login is not affected.
 */
@Injectable()
export class OidcRelyingParty implements OnModuleInit, BeforeApplicationShutdown {
  readonly settings: OidcSettings | undefined;
  private configuration?: client.Configuration;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @InjectConfig() config: ServiceConfig & GatewayEnv,
    private readonly obs: Observability,
  ) {
    this.settings = oidcSettings(config);
  }

  onModuleInit(): void {
    if (this.settings) void this.discover(this.settings, 0);
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  /** The provider's authorization endpoint, with this flow's checks (as their hashes or values). */
  async authorizationUrl(checks: FlowChecks): Promise<URL> {
    const { settings, configuration } = this.ready();
    return client.buildAuthorizationUrl(configuration, {
      redirect_uri: settings.redirectUrl.href,
      scope: settings.scopes,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /**
   * Trades the code in the callback's `query` for tokens and validates them; throws whatever
   * openid-client throws when anything does not check out. The ID token's claims, completed
   * from userinfo when it lacks `wanted` ones (many providers put only `sub` in the ID token).
   */
  async verify(query: URLSearchParams, checks: FlowChecks, wanted: string[]): Promise<VerifiedIdentity> {
    const { settings, configuration } = this.ready();
    const callback = new URL(settings.redirectUrl);
    callback.search = query.toString();
    const tokens = await client.authorizationCodeGrant(configuration, callback, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const idToken = tokens.claims();
    if (!idToken) throw new Error('no ID token');
    let claims: Record<string, unknown> = { ...idToken };
    if (wanted.some((c) => claims[c] === undefined) && configuration.serverMetadata().userinfo_endpoint) {
      const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
      claims = { ...userinfo, ...claims };
    }
    return { issuer: idToken.iss, subject: idToken.sub, claims };
  }

  /** Configured, and the provider has answered discovery. */
  get available(): boolean {
    return this.settings !== undefined && this.configuration !== undefined;
  }

  /** Throws NotFoundError when SSO is not configured, UnavailableError until discovery succeeded. */
  assertAvailable(): void {
    this.ready();
  }

  private ready(): { settings: OidcSettings; configuration: client.Configuration } {
    if (!this.settings) throw new NotFoundError('single sign-on is not configured');
    if (!this.configuration)
      throw new UnavailableError('single sign-on is unavailable: the identity provider has not answered yet');
    return { settings: this.settings, configuration: this.configuration };
  }

  private async discover(settings: OidcSettings, attempt: number): Promise<void> {
    try {
      this.configuration = await client.discovery(
        settings.issuer,
        settings.clientId,
        undefined,
        // The method every provider must support (OpenID Connect Core §9): the secret as HTTP Basic.
        client.ClientSecretBasic(settings.clientSecret),
        settings.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      this.obs.logger.info({ issuer: settings.issuer.href }, 'oidc: provider discovered, single sign-on available');
    } catch (e) {
      if (this.stopped) return;
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt);
      this.obs.logger.warn(
        { issuer: settings.issuer.href, err: { message: (e as Error).message }, retry_in_ms: delay },
        'oidc: discovery failed, single sign-on unavailable',
      );
      this.retry = setTimeout(() => void this.discover(settings, attempt + 1), delay);
    }
  }
}
