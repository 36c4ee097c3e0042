import { serializeError } from '@statuspage/platform';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';

/**
 * The worker's logger: JSON lines, and errors serialized as the api's are —
 * a database error never carries the values of its query (a reset token, a
 * verification code or an address being written).
 */
export function createWorkerLogger(level: Level | 'silent', destination?: DestinationStream): Logger {
  const options = { name: 'worker', level, serializers: { err: serializeError } };
  return destination ? pino(options, destination) : pino(options);
}
