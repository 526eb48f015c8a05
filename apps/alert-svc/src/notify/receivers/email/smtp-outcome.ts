import type { NotifyResult } from '../../notification';
import { excerpt } from '../http-post';

/** What nodemailer's errors carry. */
interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
}

const CONNECTION_MESSAGES: Record<string, string> = {
  ECONNECTION: 'could not connect to the SMTP server',
  ETIMEDOUT: 'the SMTP server did not answer in time',
  ESOCKET: 'the SMTP connection failed',
  EDNS: 'the SMTP host was not found',
  EPROTOCOL: 'the SMTP server answered something unexpected',
};

/** Failures of configuration or of the mail itself: the same request would fail again. */
const PERMANENT_CODES = new Set(['EAUTH', 'ETLS', 'EENVELOPE', 'EMESSAGE', 'EREQUIRETLS']);

/**
 * SMTP's own rule: a 4xx reply is transient (retried), a 5xx reply permanent (not). Without a reply,
 * a connection that failed or timed out is retried; an authentication or TLS requirement that cannot
 * be met is not. The message comes from the code and the server's reply only (scrubbed by the guard).
 */
export function classifySmtpError(e: unknown): NotifyResult {
  const err = (e ?? {}) as SmtpError;
  const reply = err.response ? excerpt(err.response) : undefined;
  if (typeof err.responseCode === 'number' && err.responseCode >= 400) {
    const retry = err.responseCode < 500;
    return { ok: false, retry, status: err.responseCode, error: `SMTP ${reply ?? err.responseCode}` };
  }
  const code = err.code ?? 'unknown';
  if (PERMANENT_CODES.has(code)) return { ok: false, retry: false, error: `SMTP ${code}${reply ? `: ${reply}` : ''}` };
  return { ok: false, retry: true, error: `${CONNECTION_MESSAGES[code] ?? 'the SMTP delivery failed'} (${code})` };
}
