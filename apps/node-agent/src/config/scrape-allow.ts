/**
 * The local file's `scrapeAllow` list: which scrape URLs a remote (KV) document may name.
 * Two forms of pattern:
 *
 * - `host:port` (`127.0.0.1:9100`): any http or https URL on exactly that host and port,
 *   whatever its path;
 * - a URL (`http://localhost:*\/metrics`): scheme and host exact, port exact or `*` (an
 *   omitted port is the scheme's default), and, when the pattern has a path, the URL's path
 *   and query must match it, where `*` stands for any characters but `/`.
 *
 * Host names compare case-insensitively; nothing else is resolved (a name is not an address).
 * An unreadable pattern matches nothing.
 */
export function isScrapeUrlAllowed(url: string, patterns: readonly string[]): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return false;
  if (target.username || target.password) return false;
  const scheme = target.protocol.slice(0, -1);
  const port = target.port || (scheme === 'https' ? '443' : '80');
  const host = target.hostname.toLowerCase();
  const rest = `${target.pathname}${target.search}`;
  return patterns.some((p) => matches(p, scheme, host, port, rest));
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^/:[\]]+):([0-9]{1,5})$/;
const URL_PATTERN = /^(https?):\/\/(\[[0-9a-fA-F:.]+\]|[^/:?#[\]]+)(?::([0-9]{1,5}|\*))?([/?].*)?$/;

function matches(pattern: string, scheme: string, host: string, port: string, rest: string): boolean {
  const hostPort = HOST_PORT.exec(pattern);
  if (hostPort) return hostPort[1].toLowerCase() === host && Number(hostPort[2]) === Number(port);
  const url = URL_PATTERN.exec(pattern);
  if (!url) return false;
  const [, pScheme, pHost, pPort, pRest] = url;
  if (pScheme !== scheme || pHost.toLowerCase() !== host) return false;
  const wantPort = pPort ?? (pScheme === 'https' ? '443' : '80');
  if (wantPort !== '*' && Number(wantPort) !== Number(port)) return false;
  return pRest === undefined || globMatches(pRest, rest);
}

/**
 * Whether `text` matches `glob`, `*` standing for any characters but `/`. Matched without a
 * regular expression: a backtracking engine takes time exponential in the number of stars on a
 * hostile path (`/a*a*a*…b` against `/aaaa…`), this takes at most glob × text steps per segment.
 */
function globMatches(glob: string, text: string): boolean {
  const globSegments = glob.split('/');
  const textSegments = text.split('/');
  return (
    globSegments.length === textSegments.length && globSegments.every((g, i) => wildcardMatches(g, textSegments[i]))
  );
}

/** `*` matches any run of characters (the segment holds no `/`); the rest matches itself. */
function wildcardMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
