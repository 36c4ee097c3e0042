import { type Database, notificationDeliveries, notificationMessages } from '@statuspage/db';
import { and, asc, eq, lt } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Queues } from '../queues/queues';
import { enqueueDeliveries, urgentKinds } from './enqueue';

export interface DeliveryRepairOptions {
  db: Database;
  queues: Queues;
  logger: Logger;
  /** How often to look (the first look is shortly after start). */
  intervalMs?: number;
  /** Pending deliveries untouched this long are queued again. */
  staleAfterMs?: number;
}

/**
 * Queues again the deliveries that are pending in PostgreSQL but have not
 * moved for a while — their jobs were lost with a Redis that kept no data.
 * Adding a job whose id is still queued, delayed or running is a no-op, so
 * this never sends twice; it runs on start and then periodically.
 */
export function startDeliveryRepair(options: DeliveryRepairOptions) {
  const intervalMs = options.intervalMs ?? 60_000;
  const staleAfterMs = options.staleAfterMs ?? 120_000;
  let running: Promise<void> | undefined;

  async function repairOnce() {
    const rows = await options.db
      .select({
        id: notificationDeliveries.id,
        messageId: notificationDeliveries.messageId,
        channelType: notificationDeliveries.channelType,
        kind: notificationMessages.kind,
      })
      .from(notificationDeliveries)
      .innerJoin(notificationMessages, eq(notificationMessages.id, notificationDeliveries.messageId))
      .where(
        and(
          eq(notificationDeliveries.state, 'pending'),
          lt(notificationDeliveries.updatedAt, new Date(Date.now() - staleAfterMs)),
        ),
      )
      .orderBy(asc(notificationDeliveries.id))
      .limit(5000);
    if (rows.length === 0) return 0;
    await enqueueDeliveries(
      options.queues,
      rows.filter((row) => urgentKinds.has(row.kind)),
      'high',
    );
    await enqueueDeliveries(
      options.queues,
      rows.filter((row) => !urgentKinds.has(row.kind)),
      'normal',
    );
    options.logger.info({ deliveries: rows.length }, 'stale pending deliveries queued again');
    return rows.length;
  }

  const tick = () => {
    running ??= repairOnce()
      .catch((error) => options.logger.warn({ err: error }, 'delivery repair failed; trying again later'))
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
