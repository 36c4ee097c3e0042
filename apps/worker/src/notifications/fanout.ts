import { notificationPipeline, type OutboxRowRef } from '@statuspage/core';
import type { Logger } from 'pino';
import { type EnqueueDeps, enqueueDeliveries } from './enqueue';

/**
 * Fans an event message out (core writes its deliveries and marks the outbox
 * row processed, in one transaction), then adds one job per pending delivery.
 * Running it again inserts nothing new and re-adds only what is still pending.
 */
export async function fanOut(deps: EnqueueDeps, outboxRow: OutboxRowRef, messageId: number, log: Logger) {
  const started = performance.now();
  const pending = await notificationPipeline.fanOutMessage(deps.db, outboxRow, messageId);
  await enqueueDeliveries(deps, pending, 'normal');
  log.info(
    { messageId, deliveries: pending.length, ms: Math.round(performance.now() - started) },
    'message fanned out',
  );
  return pending.length;
}
