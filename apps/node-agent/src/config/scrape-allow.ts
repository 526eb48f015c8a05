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
  return pRest === undefined || globToRegExp(pRest).test(rest);
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]*')}$`);
}
