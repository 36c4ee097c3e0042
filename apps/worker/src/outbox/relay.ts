import { type JobPriority, jobPriorities, type OutboxJob, outboxJobId } from '@statuspage/contracts';
import { outboxStore } from '@statuspage/core';
import type { Database } from '@statuspage/db';
import type { RedisClient } from '@statuspage/platform';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { addBulkChecked, type CheckedJob } from '../queues/add-checked';

/** Counts jobs whose id Redis already held for another row (the metric `queue_job_id_conflicts_total`). */
export interface JobConflictObserver {
  jobIdConflicts(queue: string, count: number): void;
}

export interface OutboxRelayOptions {
  db: Database;
  queue: Queue;
  redis: RedisClient;
  logger: Logger;
  pollIntervalMs: number;
  /** Rows per transaction. */
  batchSize?: number;
  /** How long an enqueue may take before the batch is given up (and its rows stay undispatched). */
  enqueueTimeoutMs?: number;
  observe?: JobConflictObserver;
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

/** Whether a job Redis holds is the relay's job for this row (same id, uid and kind). */
function sameOutboxRow(stored: unknown, ours: OutboxJob) {
  const job = stored as Partial<OutboxJob> | undefined;
  return job?.outbox_id === ours.outbox_id && job.outbox_uid === ours.outbox_uid && job.kind === ours.kind;
}

/**
 * Moves outbox rows to BullMQ. Each batch is one transaction: the rows are
 * locked (`for update skip locked`, so several workers share the work),
 * enqueued with the row's uid as job id, and marked dispatched; when Redis
 * fails the transaction rolls back and the rows wait for the next try. A row
 * relayed twice (the commit failed after the enqueue) is enqueued once,
 * because the job id is already taken. Dispatched is not done: the job marks
 * the row processed when its work commits, and the repair re-dispatches rows
 * whose job Redis lost.
 *
 * When Redis hands back a job of that id that is not this row (keys left by
 * another database), the row is not marked dispatched: the conflict is logged
 * and counted, and the row gets a new uid, so the next batch enqueues it under
 * an id of its own.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, queue, redis, logger } = options;
  const batchSize = options.batchSize ?? 500;
  const enqueueTimeoutMs = options.enqueueTimeoutMs ?? 10_000;

  async function relayOnce(): Promise<number> {
    return db.transaction(async (tx) => {
      const rows = await outboxStore.claimUndispatched(tx, batchSize);
      if (rows.length === 0) return 0;
      const jobs = rows.map(
        (row): CheckedJob<OutboxJob> => ({
          name: row.kind,
          // The payload was validated when it was written (writeOutbox); the processor validates it again.
          data: { outbox_id: row.id, outbox_uid: row.uid, kind: row.kind, payload: row.payload } as OutboxJob,
          opts: {
            jobId: outboxJobId(row.uid),
            priority: jobPriorities[priorityOf(row.kind, row.payload)],
            // A reset token does not stay in Redis once handled (its message is keyed by the row anyway).
            ...(row.kind === 'email.password_reset' ? { removeOnComplete: true } : {}),
          },
        }),
      );
      let conflicts: number[];
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`enqueueing took longer than ${enqueueTimeoutMs} ms`)),
          enqueueTimeoutMs,
        );
      });
      try {
        conflicts = await Promise.race([addBulkChecked(redis, queue, jobs, sameOutboxRow), timeout]);
      } finally {
        clearTimeout(timer);
      }
      const conflicting = new Set(conflicts.map((index) => rows[index]?.id));
      const relayed = rows.filter((row) => !conflicting.has(row.id)).map((row) => row.id);
      await outboxStore.markDispatched(tx, relayed);
      if (conflicting.size > 0) {
        const ids = [...conflicting].filter((id): id is number => id !== undefined);
        await outboxStore.renameOutboxRows(tx, ids);
        options.observe?.jobIdConflicts(queue.name, ids.length);
        logger.error(
          { rows: ids, queue: queue.name },
          'Redis already holds jobs with these outbox rows’ ids but for other rows (keys left by another database?): not dispatched; they get new ids and are relayed again',
        );
      }
      logger.debug({ rows: relayed.length, first: rows[0]?.id }, 'outbox rows relayed');
      return relayed.length;
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
