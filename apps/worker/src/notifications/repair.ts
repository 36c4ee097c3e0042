import { outboxJobId } from '@statuspage/contracts';
import { directKinds, notificationPipeline, outboxStore } from '@statuspage/core';
import type { Queue } from 'bullmq';
import { type EnqueueDeps, enqueueDeliveries } from './enqueue';

export interface RepairOptions extends EnqueueDeps {
  /** How often to look (the first look is shortly after start). */
  intervalMs?: number;
  /** Work untouched this long is looked at: pending deliveries, dispatched outbox rows not processed. */
  staleAfterMs?: number;
  /** Counts what the repair recreated (for the metrics endpoint). */
  observe?: EnqueueDeps['observe'] & { repaired(what: 'outbox' | 'delivery', count: number): void };
}

/** Job states in which a job will still run: its work is in hand. */
const liveStates = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * PostgreSQL is the whole truth; Redis may lose everything at any moment.
 * Periodically (and shortly after start) this finds the work whose job is
 * gone and recreates it:
 * - outbox rows dispatched a while ago but not processed (their work never
 *   committed) whose job is not live in Redis — lost with Redis, or taken by
 *   a worker that could not find them — are given a new uid and set back to
 *   undispatched, so the relay enqueues them again under a fresh id;
 *   a job that failed for good stays visible (dashboard, metrics) and is not
 *   run again here;
 * - pending deliveries that have not moved for a while are added again
 *   (adding a job whose id is still queued, delayed or running is a no-op,
 *   so this never sends twice).
 */
export function startRepair(options: RepairOptions) {
  const intervalMs = options.intervalMs ?? 60_000;
  const staleAfterMs = options.staleAfterMs ?? 120_000;
  const { db, logger } = options;
  let running: Promise<void> | undefined;

  async function repairOutbox(queue: Queue) {
    const rows = await outboxStore.unprocessedDispatched(db, new Date(Date.now() - staleAfterMs), 1000);
    if (rows.length === 0) return 0;
    const states = await Promise.all(rows.map((row) => queue.getJobState(outboxJobId(row.uid))));
    const lost = rows.filter((_, index) => !liveStates.has(String(states[index])) && states[index] !== 'failed');
    if (lost.length === 0) return 0;
    await outboxStore.redispatch(
      db,
      lost.map((row) => row.id),
    );
    logger.warn(
      { rows: lost.map((row) => row.id) },
      'outbox rows whose work is missing and whose jobs are gone from Redis: relayed again',
    );
    options.observe?.repaired('outbox', lost.length);
    return lost.length;
  }

  async function repairDeliveries() {
    const rows = await notificationPipeline.stalePendingDeliveries(db, new Date(Date.now() - staleAfterMs), 5000);
    if (rows.length === 0) return 0;
    await enqueueDeliveries(
      options,
      rows.filter((row) => directKinds.has(row.kind)),
      'high',
    );
    await enqueueDeliveries(
      options,
      rows.filter((row) => !directKinds.has(row.kind)),
      'normal',
    );
    logger.info({ deliveries: rows.length }, 'stale pending deliveries queued again');
    options.observe?.repaired('delivery', rows.length);
    return rows.length;
  }

  async function repairOnce() {
    const outboxRows = await repairOutbox(options.queues.outbox);
    const deliveries = await repairDeliveries();
    return { outbox: outboxRows, deliveries };
  }

  const tick = () => {
    running ??= repairOnce()
      .then(() => undefined)
      .catch((error) => logger.warn({ err: error }, 'repair failed; trying again later'))
      .then(() => {
        running = undefined;
      });
  };
  const first = setTimeout(tick, Math.min(5000, intervalMs));
  const timer = setInterval(tick, intervalMs);
  first.unref();
  timer.unref();
  return {
    repairOnce,
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
