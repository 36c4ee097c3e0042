/**
 * Request paths are normalised once, before anything routes on them (the
 * public cache pre-router, metrics, Express, the REST adapter and tRPC all
 * read `req.url`): otherwise each layer resolves `..`, `//` or `%2E` its own
 * way (the REST library resolves dot segments through `new URL`, Express and
 * the cache do not), and checks made on one form are bypassed with another.
 *
 * The rules (RFC 3986 §6.2.2): percent-encoded unreserved characters are
 * decoded (`%61` → `a`, `%2E` → `.`), runs of slashes become one, and dot
 * segments are removed (`/a/./b/../c` → `/a/c`, never above the root). The
 * query string is kept as sent. `/api/v1/services/../status-log` is then
 * `/api/v1/status-log`, which is no operation: 404, whoever asks.
 */
import type { IncomingMessage, RequestListener } from 'node:http';

function decodeUnreserved(path: string) {
  return path.replace(/%[0-9a-f]{2}/gi, (encoded) => {
    const char = String.fromCharCode(Number.parseInt(encoded.slice(1), 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : encoded;
  });
}

/** The normal form of a request target's path (origin form: `/…`), query untouched. */
export function normalizeRequestTarget(target: string): string {
  if (!target.startsWith('/')) return target;
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : target.slice(queryAt);
  const segments = decodeUnreserved(path).split('/').slice(1);
  const output: string[] = [];
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    if (segment === '..') {
      output.pop();
      if (last) output.push('');
    } else if (segment === '.') {
      if (last) output.push('');
    } else if (segment === '' && !last) {
      // `//`: an empty segment in the middle
    } else {
      output.push(segment);
    }
  }
  return `/${output.join('/')}${query}`;
}

/** Wraps the server's request listener: `req.url` is normalised before it sees the request. */
export function normalizingPaths(listener: RequestListener): RequestListener {
  return (req: IncomingMessage, res) => {
    if (req.url) req.url = normalizeRequestTarget(req.url);
    listener(req, res);
  };
}
