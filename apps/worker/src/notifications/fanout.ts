import { type Database, notificationDeliveries } from '@statuspage/db';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Queues } from '../queues/queues';
import { enqueueDeliveries } from './enqueue';

/**
 * Fans an event message out: one delivery row per channel of the event's
 * subscriber set that is still enabled and verified (one statement, however
 * many subscribers), then one job per pending delivery, bulk-added. Running it
 * again inserts nothing new and re-adds only what is still pending.
 *
 * Subscribers who joined the set after the message was written (a service
 * added by a later update) do not get it: `added_at` and `created_at` are both
 * the time of their transaction. When the event is gone (a cancelled
 * maintenance), its deliveries were written with the message.
 */
export async function fanOut(db: Database, queues: Queues, messageId: number, log: Logger) {
  const started = performance.now();
  await db.execute(sql`
    insert into notification_deliveries (message_id, channel_id, channel_type, target)
    select m.id, c.id, c.type, c.target
    from notification_messages m
    join event_subscribers es on es.event_id = m.event_id and es.added_at <= m.created_at
    join notification_channels c on c.id = es.channel_id
    where m.id = ${messageId} and c.is_enabled and c.is_verified
    on conflict do nothing`);
  const pending = await db
    .select({
      id: notificationDeliveries.id,
      messageId: notificationDeliveries.messageId,
      channelType: notificationDeliveries.channelType,
    })
    .from(notificationDeliveries)
    .where(and(eq(notificationDeliveries.messageId, messageId), eq(notificationDeliveries.state, 'pending')))
    .orderBy(asc(notificationDeliveries.id));
  await enqueueDeliveries(queues, pending, 'normal');
  log.info(
    { messageId, deliveries: pending.length, ms: Math.round(performance.now() - started) },
    'message fanned out',
  );
  return pending.length;
}
