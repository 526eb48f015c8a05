import { Injectable } from '@nestjs/common';
import { Cache } from '@vigil/platform';
import * as client from 'openid-client';
import type { FlowChecks } from './oidc.relying-party';

/** How long a sign-in at the provider may take, from the redirect to the callback. */
export const FLOW_TTL_S = 600;

/**
 * Sign-in flows under way, in Redis (`<prefix>oidc:flow:<state>`), each for FLOW_TTL_S and
 * taken once: the callback deletes it as it reads it, so a callback cannot be replayed. How many
 * may be started is bounded by the login limit per client address.
 */
@Injectable()
export class OidcFlows {
  constructor(private readonly cache: Cache) {}

  async start(): Promise<FlowChecks> {
    const checks = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    await this.cache.redis.set(this.key(checks.state), JSON.stringify(checks), 'EX', FLOW_TTL_S);
    return checks;
  }

  /** The flow `state` names, once; undefined when unknown, expired or already taken. */
  async take(state: string): Promise<FlowChecks | undefined> {
    if (state.length > 256) return undefined;
    const raw = await this.cache.redis.getdel(this.key(state));
    return raw ? (JSON.parse(raw) as FlowChecks) : undefined;
  }

  private key(state: string): string {
    return this.cache.key('oidc', 'flow', state);
  }
}
