import pino, { type DestinationStream, type Logger } from 'pino';
import { serializeError } from './error-serializer';

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
    // Database errors are logged without the values of their query (error-serializer.ts).
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
