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
  | { answered: true; status: number; headers: Headers; body: string }
  | { answered: false; failure: RequestFailure };

const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One POST with its own timeout (covering the answer's body too) and the pipeline's signal.
 * Redirects are not followed: a webhook that moved answers 3xx, which is not retried, and a
 * redirect must never carry a key-bearing URL or a signed body to another host.
 */
export async function httpPost(req: HttpPost): Promise<HttpPostOutcome> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout]);
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      body: req.body,
      headers: { 'content-type': 'application/json', 'user-agent': 'Vigil-Alert/1', ...req.headers },
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
