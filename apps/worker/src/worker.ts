import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkerEnv } from './env';

export interface RunningWorker {
  /** Resolves once Redis answered (the worker waits for it, logging while it does). */
  ready: Promise<void>;
  /** Stops taking work, then closes connections; idempotent. */
  close(): Promise<void>;
}

/**
 * The worker process: connects to Redis and waits for it as long as it takes.
 * Its queues (outbox relay, deliveries, maintenance scheduling) are added by
 * the notification and scheduling issues; they register here, between the
 * connection and the shutdown sequence.
 */
export function startWorker(env: WorkerEnv, logger: Logger): RunningWorker {
  const target = new URL(env.REDIS_URL);
  const where = `${target.hostname}:${target.port || '6379'}`;
  // BullMQ requires maxRetriesPerRequest: null on worker connections.
  const redis = new Redis(env.REDIS_URL, {
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(attempt * 500, 5000),
  });
  let waitingLogged = false;
  redis.on('error', (error) => {
    if (!waitingLogged) logger.warn({ err: error, redis: where }, `waiting for Redis at ${where}`);
    waitingLogged = true;
  });
  const ready = new Promise<void>((resolve) => {
    redis.once('ready', () => {
      logger.info({ redis: where }, 'worker connected to Redis and ready');
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    ready,
    close() {
      closing ??= (async () => {
        logger.info('worker shutting down');
        await redis.quit().catch(() => redis.disconnect());
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}
