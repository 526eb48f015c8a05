import type { Notification } from '../../notification';
import { escapeHtml } from '../markup-escape';
import { type AlertView, messageView, moreAlerts } from '../message-view';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** Subject `<prefix> [FIRING:2] HighCpu (critical)`, and the same alerts as plain text and as HTML. */
export function emailContent(n: Notification, maxAlerts: number, subjectPrefix: string): EmailContent {
  const view = messageView(n, maxAlerts);
  const subject = subjectPrefix ? `${subjectPrefix} ${view.title}` : view.title;
  const text = [
    view.title,
    ...view.alerts.map((a) =>
      factsOf(a)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    ),
    ...(view.more > 0 ? [moreAlerts(view.more)] : []),
    ...(view.link ? [`Open in Vigil: ${view.link}`] : []),
  ].join('\n\n');
  const colour = view.status === 'firing' ? '#c0392b' : '#27ae60';
  const html = [
    `<h2 style="color:${colour}">${escapeHtml(view.title)}</h2>`,
    ...view.alerts.map(
      (a) =>
        `<table>${factsOf(a)
          .map(([k, v]) => `<tr><th align="left">${k}</th><td>${escapeHtml(v)}</td></tr>`)
          .join('')}</table>`,
    ),
    ...(view.more > 0 ? [`<p>${escapeHtml(moreAlerts(view.more))}</p>`] : []),
    ...(view.link ? [`<p><a href="${escapeHtml(view.link)}">Open in Vigil</a></p>`] : []),
  ].join('\n');
  return { subject, text, html };
}

function factsOf(a: AlertView): Array<[string, string]> {
  const facts: Array<[string, string | undefined]> = [
    ['alert', a.alertname],
    ['status', a.status],
    ['severity', a.severity],
    ['node', a.node],
    ['summary', a.summary],
    ['description', a.description],
    ['value', a.value],
    ['started', a.startsAt],
    ['ended', a.endsAt],
  ];
  return facts.filter((f): f is [string, string] => f[1] !== undefined);
}
