import { serializeError } from '@statuspage/platform';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Query parameters that carry a secret (unsubscribe and reset tokens, verification codes, …). */
const SECRET_PARAMETER = /token|code|secret|password|signature|nonce|key|auth|session/i;
const REDACTED = '[redacted]';

/** A URL as it may be logged: the values of secret-bearing query parameters replaced. */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return url;
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return url;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawName = equals < 0 ? pair : pair.slice(0, equals);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replaceAll('+', ' '));
      } catch {
        // A malformed escape: judge the name as written.
      }
      return SECRET_PARAMETER.test(name) && equals >= 0 ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, queryAt)}?${query}`;
}

/** A parsed query as it may be logged (see redactUrl). */
export function redactQuery(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  return Object.fromEntries(
    Object.entries(query).map(([name, value]) => [name, SECRET_PARAMETER.test(name) ? REDACTED : value]),
  );
}

/** pino serializer of requests (pino-http's standard one, then redactUrl/redactQuery). */
export function serializeRequest(req: { url?: string; query?: unknown; [key: string]: unknown }) {
  return { ...req, url: redactUrl(req.url), query: redactQuery(req.query) };
}

/**
 * A file written the way standard output is by default (pino's synchronous sonic-boom): what the
 * benchmarks log into (/dev/null) so that logging costs what it costs in production.
 */
export function fileDestination(path: string): DestinationStream {
  return pino.destination({ dest: path, sync: true });
}

/** The process logger: JSON lines (or pretty for development), secrets redacted. */
export function createLogger(options: {
  level: string;
  format: 'json' | 'pretty';
  name: string;
  /** Where lines go (standard output by default). */
  destination?: DestinationStream;
}): Logger {
  const settings: pino.LoggerOptions = {
    name: options.name,
    level: options.level,
    // Database errors are logged without the values of their query (core's observability/error-serializer.ts).
    serializers: { err: serializeError },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.new_password',
        '*.current_password',
        '*.token',
        '*.refresh_token',
        '*.access_token',
      ],
      censor: '[redacted]',
    },
    ...(options.format === 'pretty' && !options.destination
      ? { transport: { target: 'pino-pretty', options: { colorize: true } } }
      : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
