import type { Notification } from '../../notification';
import { type AlertView, messageView, moreAlerts } from '../message-view';
import { escapeSlack, slackLinkUrl } from '../markup-escape';
import { truncateChars } from '../text-limits';

/** Slack's Block Kit limits: a message holds 50 blocks, a header 150 characters, a section's text 3,000. */
export const SLACK_MAX_BLOCKS = 50;
export const SLACK_HEADER_MAX_CHARS = 150;
export const SLACK_SECTION_MAX_CHARS = 3000;

type TextObject = { type: 'plain_text'; text: string; emoji: true } | { type: 'mrkdwn'; text: string; verbatim: true };
export type SlackBlock =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text: TextObject }
  | { type: 'context'; elements: TextObject[] };

export interface SlackMessage {
  /** Shown where blocks cannot be (notifications, old clients). */
  text: string;
  blocks: SlackBlock[];
}

/** Header, one section per alert, how many more were left out, and the link, within Slack's limits. */
export function slackMessage(n: Notification, maxAlerts: number): SlackMessage {
  // The header is plain text (the title as it is); the sections are mrkdwn, their values escaped.
  const view = messageView(n, maxAlerts, escapeSlack);
  const title = messageView(n, maxAlerts).title;
  const fixed = 1 + (view.link ? 1 : 0) + 1;
  const shown = view.alerts.slice(0, SLACK_MAX_BLOCKS - fixed);
  const more = view.more + (view.alerts.length - shown.length);
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncateChars(title, SLACK_HEADER_MAX_CHARS), emoji: true },
    },
    ...shown.map((a): SlackBlock => ({
      type: 'section',
      text: mrkdwn(truncateChars(alertText(a), SLACK_SECTION_MAX_CHARS)),
    })),
  ];
  if (more > 0) blocks.push({ type: 'context', elements: [mrkdwn(moreAlerts(more))] });
  if (view.link) blocks.push({ type: 'section', text: mrkdwn(`<${slackLinkUrl(view.link)}|Open in Vigil>`) });
  return { text: escapeSlack(title), blocks };
}

/** `verbatim`: Slack does not turn URLs, channel names or mentions in the text into links by itself. */
function mrkdwn(text: string): TextObject {
  return { type: 'mrkdwn', text, verbatim: true };
}

function alertText(a: AlertView): string {
  const head = [`*${a.alertname}*`, a.status === 'firing' ? ':red_circle: firing' : ':large_green_circle: resolved'];
  if (a.severity) head.push(`severity: ${a.severity}`);
  if (a.node) head.push(`node: ${a.node}`);
  const lines = [head.join(' · ')];
  if (a.summary) lines.push(a.summary);
  if (a.description) lines.push(a.description);
  const facts = [
    ...(a.value === undefined ? [] : [`value: ${a.value}`]),
    `started: ${a.startsAt}`,
    ...(a.endsAt ? [`ended: ${a.endsAt}`] : []),
  ];
  lines.push(facts.join(' · '));
  return lines.join('\n');
}
