/**
 * Label values and annotations come from agents and rule authors: in a chat message they are
 * text, never markup. Each receiver's renderer passes every value it interpolates through the
 * escape of its target's markup; the markup Vigil writes itself (its title, bold, colours, the
 * "Open in Vigil" link) is added around the escaped values.
 */

/** Line breaks in a value would start a new block (a heading, a list, a quote's end): one line it is. */
const oneLine = (text: string) => text.replace(/\r\n?|\n|[\u2028\u2029]/g, ' ');

/**
 * The markdown of WeCom and DingTalk robots (CommonMark-like, with a few HTML tags such as
 * `<font>`): every character that opens or closes a construct is backslash-escaped, `&`, `<`
 * and `>` become entities (no tag, no entity of the value's own), and `://` is broken up so a
 * URL in a value is not turned into a link. `[x](https://evil)` shows as that text, not a link.
 */
export function escapeMarkdown(text: string): string {
  return oneLine(text)
    .replace(/[\\`*_~[\]()#!|{}]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/:\/\//g, ':\\/\\/');
}

/** A link Vigil builds, as a markdown link destination: characters that would end it are percent-encoded. */
export function markdownLinkUrl(url: string): string {
  return url.replace(/[()<> \s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

const ZWSP = '\u200b';

/**
 * Slack's mrkdwn: `&`, `<` and `>` are escaped as Slack documents (so `<https://evil|x>`,
 * `<!channel>` and `<@U123>` stay text). Slack has no escape for its formatting characters
 * (`*bold*`, `_italic_`, `~strike~`, `` `code` ``): each gets a zero-width space on both sides,
 * which Slack does not take as the word boundary formatting needs, and which reads the same; a
 * line of the value starting with `>` gets one too, so it does not become a quote.
 */
export function escapeSlack(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[*_~`]/g, `${ZWSP}$&${ZWSP}`)
    .replace(/^&gt;/gm, `${ZWSP}&gt;`);
}

/** Inside Slack's `<url|label>`, `|` and `>` would end the URL. */
export function slackLinkUrl(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
}

/** HTML text and attribute values: the five characters with a meaning are entities. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
