import { REDACTED } from './secret-bag';

/**
 * A URL as it may be shown in an error, a log line or the notification history: its scheme and
 * host only. Robot and webhook URLs carry their tokens in the path (Slack's
 * `/services/T…/B…/…`, a webhook's `/hooks/<token>`) or the query (`?key=`, `?access_token=`),
 * and userinfo is a password: none of that is shown.
 */
export function displayUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return REDACTED;
  }
  return `${parsed.protocol}//${parsed.host}`;
}
