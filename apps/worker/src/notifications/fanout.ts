import { channelMayReceive } from '@statuspage/core';
import { notificationDeliveries } from '@statuspage/db';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { markOutboxProcessed, type OutboxRowRef } from '../outbox/store';
import { type EnqueueDeps, enqueueDeliveries } from './enqueue';

/**
 * Fans an event message out: one delivery row per channel of the event's
 * subscriber set that may still receive (core's `channelMayReceive`: one
 * statement, however many subscribers), committed with the outbox row marked
 * processed — the message is finished only once its deliveries exist — then
 * one job per pending delivery, bulk-added. Running it again inserts nothing
 * new and re-adds only what is still pending.
 *
 * Subscribers who joined the set after the message was written (a service
 * added by a later update) do not get it: `added_at` and `created_at` are both
 * the time of their transaction. When the event is gone (a cancelled
 * maintenance), its deliveries were written with the message.
 */
export async function fanOut(deps: EnqueueDeps, outboxRow: OutboxRowRef, messageId: number, log: Logger) {
  const started = performance.now();
  await deps.db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into notification_deliveries (message_id, channel_id, channel_type, target)
      select m.id, notification_channels.id, notification_channels.type, notification_channels.target
      from notification_messages m
      join event_subscribers es on es.event_id = m.event_id and es.added_at <= m.created_at
      join notification_channels on notification_channels.id = es.channel_id
      where m.id = ${messageId} and ${channelMayReceive()}
      on conflict do nothing`);
    await markOutboxProcessed(tx, outboxRow.id, outboxRow.uid);
  });
  const pending = await deps.db
    .select({
      id: notificationDeliveries.id,
      uid: notificationDeliveries.uid,
      messageId: notificationDeliveries.messageId,
      channelType: notificationDeliveries.channelType,
    })
    .from(notificationDeliveries)
    .where(and(eq(notificationDeliveries.messageId, messageId), eq(notificationDeliveries.state, 'pending')))
    .orderBy(asc(notificationDeliveries.id));
  await enqueueDeliveries(deps, pending, 'normal');
  log.info(
    { messageId, deliveries: pending.length, ms: Math.round(performance.now() - started) },
    'message fanned out',
  );
  return pending.length;
}
