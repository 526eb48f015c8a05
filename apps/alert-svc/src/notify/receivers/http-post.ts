import { networkFailure, type RequestFailure } from '../retrier';

export interface HttpPost {
  url: string;
  body: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** The pipeline's signal: aborting it cancels the request. */
  signal: AbortSignal;
}

export type HttpPostOutcome =
  { answered: true; status: number; headers: Headers; body: string } | { answered: false; failure: RequestFailure };

const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One POST with its own timeout (covering the answer's body too) and the pipeline's signal.
 * Redirects are not followed: a webhook that moved answers 3xx, which is not retried, and a
 * redirect must never carry a key-bearing URL or a signed body to another host. Credentials in
 * the URL (`https://user:pass@host`) are sent as HTTP Basic authentication.
 */
export async function httpPost(req: HttpPost): Promise<HttpPostOutcome> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout]);
  const { url, authorization } = splitCredentials(req.url);
  try {
    const res = await fetch(url, {
      method: 'POST',
      body: req.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Vigil-Alert/1',
        ...(authorization ? { authorization } : {}),
        ...req.headers,
      },
      redirect: 'manual',
      signal,
    });
    const body = await readCapped(res);
    return { answered: true, status: res.status, headers: res.headers, body };
  } catch (e) {
    if (req.signal.aborted) return { answered: false, failure: { kind: 'aborted' } };
    if (timeout.aborted) return { answered: false, failure: { kind: 'timeout', timeoutMs: req.timeoutMs } };
    return { answered: false, failure: networkFailure(e) };
  }
}

/** fetch refuses URLs with credentials: they move to an Authorization header. */
function splitCredentials(raw: string): { url: string; authorization?: string } {
  const url = new URL(raw);
  if (!url.username && !url.password) return { url: raw };
  const authorization = basicAuthorization(url);
  url.username = '';
  url.password = '';
  return { url: url.toString(), authorization };
}

export function basicAuthorization(url: URL): string {
  const credentials = `${safeDecode(url.username)}:${safeDecode(url.password)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    chunks.push(Buffer.from(chunk as Uint8Array));
    size += (chunk as Uint8Array).byteLength;
    if (size >= MAX_ANSWER_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}

/** The first `max` characters of an answer, on one line, for an error message (scrubbed by the caller's guard). */
export function excerpt(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
