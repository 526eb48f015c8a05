import { REDACTED } from './secret-bag';

/**
 * A URL as it may be shown in an error or a log line: no credentials, every query value masked
 * (`?key=[REDACTED]`), and with `hidePath` the path too (a Slack webhook's path is its secret).
 */
export function displayUrl(url: string, opts: { hidePath?: boolean } = {}): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return REDACTED;
  }
  const path = opts.hidePath ? `/${REDACTED}` : parsed.pathname;
  const names = [...new Set(parsed.searchParams.keys())];
  const query = names.length ? `?${names.map((n) => `${encodeURIComponent(n)}=${REDACTED}`).join('&')}` : '';
  return `${parsed.protocol}//${parsed.host}${path}${query}`;
}
