import type { Notification } from '../../notification';
import { alertMarkdownLines, type AlertView, messageView, moreAlerts } from '../message-view';
import { escapeMarkdown, markdownLinkUrl } from '../markup-escape';
import { truncateUtf8 } from '../text-limits';

/** WeCom refuses markdown content over 4,096 bytes of UTF-8. */
export const WECOM_MARKDOWN_MAX_BYTES = 4096;

/**
 * The robot's markdown: a coloured title (`warning` orange while firing, `info` green once resolved),
 * one block per alert, how many more were left out, and the link (kept even when the rest is cut).
 */
export function wecomMarkdown(n: Notification, maxAlerts: number): string {
  const view = messageView(n, maxAlerts, escapeMarkdown);
  const colour = view.status === 'firing' ? 'warning' : 'info';
  const blocks = [`## <font color="${colour}">${view.title}</font>`, ...view.alerts.map(alertBlock)];
  if (view.more > 0) blocks.push(`<font color="comment">${moreAlerts(view.more)}</font>`);
  const footer = view.link ? `\n\n[Open in Vigil](${markdownLinkUrl(view.link)})` : '';
  const budget = WECOM_MARKDOWN_MAX_BYTES - Buffer.byteLength(footer, 'utf8');
  return `${truncateUtf8(blocks.join('\n\n'), budget)}${footer}`;
}

function alertBlock(a: AlertView): string {
  const colour = a.status === 'firing' ? 'warning' : 'info';
  return alertMarkdownLines(a, [`**${a.alertname}**`, `<font color="${colour}">${a.status}</font>`]).join('\n');
}
