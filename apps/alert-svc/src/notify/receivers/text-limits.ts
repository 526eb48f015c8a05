/** Provider limits on text: measured in UTF-8 bytes (WeCom, DingTalk) or characters (Slack). */

export const TRUNCATED = '\n…(truncated)';

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, marker included, between two characters:
 * a multi-byte character (CJK, emoji) is never split.
 */
export function truncateUtf8(text: string, maxBytes: number, marker = TRUNCATED): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(marker, 'utf8');
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (used + size > budget) break;
    used += size;
    end += char.length;
  }
  return `${text.slice(0, end)}${marker}`;
}

/** `text` cut to at most `maxChars` UTF-16 units, marker included, never inside a surrogate pair. */
export function truncateChars(text: string, maxChars: number, marker = '…'): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - marker.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${marker}`;
}
