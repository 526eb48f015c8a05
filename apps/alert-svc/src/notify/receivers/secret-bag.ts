import { type SecretRef, ValidationError } from '@vigil/contracts';
import { basicAuthorization, safeDecode } from './http-post';

export const REDACTED = '[REDACTED]';

/** Path segments this long are scrubbed as possible tokens; shorter ones (`hooks`, `send`, `cgi-bin`) are words. */
const PATH_TOKEN_MIN_CHARS = 8;

/**
 * The secrets one delivery uses: resolved from the config (literal, or `{ env }` read now) and
 * remembered, so every text that leaves the notifier (errors, log lines) can be scrubbed of them,
 * including their URL-encoded forms, whatever a server or library echoed back.
 */
export class SecretBag {
  private readonly values = new Set<string>();

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  /** The secret's value; a missing environment variable is a ValidationError naming the field and the variable. */
  resolve(ref: SecretRef, field: string): string {
    const value = typeof ref === 'string' ? ref : this.env[ref.env];
    if (value === undefined || value === '') {
      const name = typeof ref === 'string' ? '' : ref.env;
      throw new ValidationError(`${field}: environment variable ${name} is not set`);
    }
    this.add(value);
    return value;
  }

  /** Also scrub a value derived from a secret (a signature). */
  add(value: string): void {
    if (value.length < 4) return;
    this.values.add(value);
    this.values.add(encodeURIComponent(value));
    this.values.add(new URLSearchParams({ v: value }).toString().slice(2));
  }

  /**
   * A configured URL may carry credentials in its userinfo, its query (`?token=`) or its path
   * (`/hooks/<token>`): all of them are scrubbed, the path whole and each of its segments long
   * enough to be a token (an answer such as "Cannot POST /hooks/…" quotes them).
   */
  addUrlCredentials(url: string): void {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed) return;
    for (const value of [safeDecode(parsed.username), safeDecode(parsed.password), ...parsed.searchParams.values()])
      this.add(value);
    if (parsed.pathname.length > 1) {
      this.add(parsed.pathname);
      this.add(safeDecode(parsed.pathname));
      for (const segment of parsed.pathname.split('/'))
        if (segment.length >= PATH_TOKEN_MIN_CHARS) this.add(safeDecode(segment));
    }
    if (parsed.username || parsed.password) this.add(basicAuthorization(parsed).slice('Basic '.length));
  }

  scrub(text: string): string {
    let out = text;
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(value).join(REDACTED);
    return out;
  }
}
