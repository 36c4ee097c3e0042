import { type ChannelType, channelTypes, queueNames } from '@statuspage/contracts';
import type { RedisClient } from '@statuspage/platform';
import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { cappedExponential } from './backoff';

export interface Queues {
  /** The connection the queues use (for reads of our own around BullMQ's). */
  connection: RedisClient;
  outbox: Queue;
  maintenance: Queue;
  delivery: Record<ChannelType, Queue>;
  all(): Queue[];
  close(): Promise<void>;
}

/**
 * The worker's queues with their default job options, set once here: every
 * job is retried with the capped exponential backoff. Delivery jobs keep no
 * completed copies (PostgreSQL holds the state; a re-added delivery that was
 * sent is skipped); relayed outbox jobs are kept a day so that relaying a row
 * again is a no-op.
 */
export function createQueues(
  connection: RedisClient,
  options: { prefix: string; deliveryAttempts: number; logger: Logger },
): Queues {
  const backoff = { type: cappedExponential };
  const outbox = new Queue(queueNames.outbox, {
    connection,
    prefix: options.prefix,
    defaultJobOptions: {
      // Outbox work (fan-out, enqueueing) only fails while PostgreSQL or Redis is away: keep trying for hours.
      attempts: 25,
      backoff,
      removeOnComplete: { age: 86_400, count: 50_000 },
      removeOnFail: { age: 7 * 86_400 },
    },
  });
  // Scheduled transitions and reminders: their ids are re-added on rescheduling, so none is kept once done.
  const maintenance = new Queue(queueNames.maintenance, {
    connection,
    prefix: options.prefix,
    defaultJobOptions: { attempts: 25, backoff, removeOnComplete: true, removeOnFail: { age: 7 * 86_400 } },
  });
  const delivery = Object.fromEntries(
    channelTypes.map((type) => [
      type,
      new Queue(queueNames.delivery[type], {
        connection,
        prefix: options.prefix,
        defaultJobOptions: {
          attempts: options.deliveryAttempts,
          backoff,
          removeOnComplete: true,
          removeOnFail: true,
        },
      }),
    ]),
  ) as Record<ChannelType, Queue>;
  const all = () => [outbox, maintenance, ...Object.values(delivery)];
  // While Redis is away every command errors; say so once per streak (and keep BullMQ from printing them).
  let lastError = 0;
  for (const queue of all()) {
    queue.on('error', (error) => {
      if (Date.now() - lastError > 30_000) options.logger.warn({ err: error, queue: queue.name }, 'queue error');
      lastError = Date.now();
    });
  }
  return {
    connection,
    outbox,
    maintenance,
    delivery,
    all,
    async close() {
      await Promise.all(all().map((queue) => queue.close()));
    },
  };
}
