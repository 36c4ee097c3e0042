import { type JobPriority, jobPriorities, outboxJobId } from '@statuspage/contracts';
import { type Database, outbox } from '@statuspage/db';
import type { Queue } from 'bullmq';
import { asc, inArray, isNull } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface OutboxRelayOptions {
  db: Database;
  queue: Queue;
  redis: Redis;
  logger: Logger;
  pollIntervalMs: number;
  /** Rows per transaction. */
  batchSize?: number;
  /** How long an enqueue may take before the batch is given up (and its rows stay undispatched). */
  enqueueTimeoutMs?: number;
}

export interface OutboxRelay {
  /** Relays one batch; resolves with the number of rows relayed. */
  relayOnce(): Promise<number>;
  start(): void;
  /** Stops polling after the batch in hand. */
  stop(): Promise<void>;
}

function priorityOf(kind: string, payload: unknown): JobPriority {
  if (kind === 'email.password_reset') return 'high';
  if (kind === 'notification.deliver')
    return (payload as { priority?: JobPriority }).priority === 'high' ? 'high' : 'normal';
  return 'normal';
}

/**
 * Moves outbox rows to BullMQ. Each batch is one transaction: the rows are
 * locked (`for update skip locked`, so several workers share the work),
 * enqueued with the row id as job id, and marked dispatched; when Redis fails
 * the transaction rolls back and the rows wait for the next try. A row
 * relayed twice (the commit failed after the enqueue) is enqueued once,
 * because the job id is already taken.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, queue, redis, logger } = options;
  const batchSize = options.batchSize ?? 500;
  const enqueueTimeoutMs = options.enqueueTimeoutMs ?? 10_000;

  async function relayOnce(): Promise<number> {
    return db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: outbox.id, kind: outbox.kind, payload: outbox.payload })
        .from(outbox)
        .where(isNull(outbox.dispatchedAt))
        .orderBy(asc(outbox.id))
        .limit(batchSize)
        .for('update', { skipLocked: true });
      if (rows.length === 0) return 0;
      const jobs = rows.map((row) => ({
        name: row.kind,
        data: { outbox_id: row.id, kind: row.kind, payload: row.payload },
        opts: {
          jobId: outboxJobId(row.id),
          priority: jobPriorities[priorityOf(row.kind, row.payload)],
          // A reset token does not stay in Redis once handled (its message is keyed by the row anyway).
          ...(row.kind === 'email.password_reset' ? { removeOnComplete: true } : {}),
        },
      }));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`enqueueing took longer than ${enqueueTimeoutMs} ms`)),
          enqueueTimeoutMs,
        );
      });
      try {
        await Promise.race([queue.addBulk(jobs), timeout]);
      } finally {
        clearTimeout(timer);
      }
      await tx
        .update(outbox)
        .set({ dispatchedAt: new Date() })
        .where(
          inArray(
            outbox.id,
            rows.map((row) => row.id),
          ),
        );
      logger.debug({ rows: rows.length, first: rows[0]?.id }, 'outbox rows relayed');
      return rows.length;
    });
  }

  let running: Promise<void> | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function loop() {
    let failures = 0;
    while (!stopped) {
      let relayed = 0;
      // While Redis is away the rows stay where they are; BullMQ would only queue the commands in memory.
      if (redis.status === 'ready') {
        try {
          relayed = await relayOnce();
          if (failures > 0) logger.info('outbox relay recovered');
          failures = 0;
        } catch (error) {
          if (failures === 0)
            logger.warn({ err: error }, 'outbox relay failed; rows stay undispatched and are retried');
          failures += 1;
        }
      }
      if (relayed < batchSize && !stopped) {
        await pause(failures > 0 ? Math.min(5000, options.pollIntervalMs * 2 ** failures) : options.pollIntervalMs);
      }
    }
  }

  return {
    relayOnce,
    start() {
      running ??= loop();
    },
    async stop() {
      stopped = true;
      wake?.();
      await running;
    },
  };
}
