import type { Notification } from '../../notification';
import { alertMarkdownLines, type AlertView, messageView, moreAlerts } from '../message-view';
import { escapeMarkdown, markdownLinkUrl } from '../markup-escape';
import { truncateUtf8 } from '../text-limits';

/** DingTalk refuses robot messages of more than 20,000 bytes; the text is kept well inside that. */
export const DINGTALK_TEXT_MAX_BYTES = 18_000;

export interface DingtalkMessage {
  title: string;
  text: string;
}

/**
 * `title` is what the chat list and the phone notification show; `text` the markdown body. A robot
 * only @-mentions someone whose `@mobile` or `@userId` also appears in the text, so they end it.
 */
export function dingtalkMarkdown(n: Notification, maxAlerts: number, mentions: string[]): DingtalkMessage {
  const view = messageView(n, maxAlerts, escapeMarkdown);
  const blocks = [`### ${view.title}`, ...view.alerts.map(alertBlock)];
  if (view.more > 0) blocks.push(moreAlerts(view.more));
  const tail = [
    view.link ? `[Open in Vigil](${markdownLinkUrl(view.link)})` : '',
    mentions.map((m) => `@${m}`).join(' '),
  ]
    .filter(Boolean)
    .join('\n\n');
  const footer = tail ? `\n\n${tail}` : '';
  const text = `${truncateUtf8(blocks.join('\n\n'), DINGTALK_TEXT_MAX_BYTES - Buffer.byteLength(footer, 'utf8'))}${footer}`;
  // The title is what the chat list shows as plain text.
  return { title: messageView(n, maxAlerts).title, text };
}

function alertBlock(a: AlertView): string {
  const lines = alertMarkdownLines(a, [`**${a.alertname}**`, a.status === 'firing' ? 'FIRING' : 'RESOLVED']);
  // DingTalk's markdown drops single line breaks: every line is its own paragraph.
  return lines.join('\n\n');
}
