import type { Delivery, MessageKind } from '@statuspage/contracts';
import { type Database, notificationDeliveries, notificationMessages } from '@statuspage/db';
import { and, count, desc, eq, type SQL } from 'drizzle-orm';
import { writeOutbox } from '../outbox/write';
import type { Clock } from '../shared/clock';
import { NotificationErrors } from './errors';

export interface DeliveryFilter {
  event_id?: string | undefined;
  channel_id?: string | undefined;
  state?: 'pending' | 'sent' | 'failed' | undefined;
  limit: number;
  offset: number;
}

/** Admin view of deliveries: their state, attempts and last error; retry of failed ones. */
export function createDeliveryUseCases(deps: { db: Database; clock: Clock }) {
  const { db, clock } = deps;

  async function select(where: SQL | undefined, page?: { limit: number; offset: number }) {
    let query = db
      .select({
        delivery: notificationDeliveries,
        kind: notificationMessages.kind,
        eventId: notificationMessages.eventId,
      })
      .from(notificationDeliveries)
      .innerJoin(notificationMessages, eq(notificationMessages.id, notificationDeliveries.messageId))
      .where(where)
      .orderBy(desc(notificationDeliveries.id))
      .$dynamic();
    if (page) query = query.limit(page.limit).offset(page.offset);
    const rows = await query;
    return rows.map(
      ({ delivery, kind, eventId }): Delivery => ({
        id: delivery.id,
        message_id: delivery.messageId,
        kind: kind as MessageKind,
        event_id: eventId,
        channel_id: delivery.channelId,
        channel_type: delivery.channelType,
        target: delivery.target,
        state: delivery.state,
        attempts: delivery.attempts,
        last_error: delivery.lastError,
        sent_at: delivery.sentAt?.toISOString() ?? null,
        created_at: delivery.createdAt.toISOString(),
        updated_at: delivery.updatedAt.toISOString(),
      }),
    );
  }

  return {
    /** Deliveries, newest first, filtered by event, channel or state. */
    async list(filter: DeliveryFilter) {
      const conditions: SQL[] = [];
      if (filter.event_id) conditions.push(eq(notificationMessages.eventId, filter.event_id));
      if (filter.channel_id) conditions.push(eq(notificationDeliveries.channelId, filter.channel_id));
      if (filter.state) conditions.push(eq(notificationDeliveries.state, filter.state));
      const where = and(...conditions);
      const [deliveries, totals] = await Promise.all([
        select(where, filter),
        db
          .select({ total: count() })
          .from(notificationDeliveries)
          .innerJoin(notificationMessages, eq(notificationMessages.id, notificationDeliveries.messageId))
          .where(where),
      ]);
      return { deliveries, total: totals[0]?.total ?? 0, limit: filter.limit, offset: filter.offset };
    },

    /** Sends a failed delivery again (attempts start over). */
    async retry(id: number): Promise<Delivery> {
      await db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(notificationDeliveries)
          .where(eq(notificationDeliveries.id, id))
          .for('update');
        if (!row) throw NotificationErrors.deliveryNotFound();
        if (row.state !== 'failed') throw NotificationErrors.deliveryNotFailed();
        await tx
          .update(notificationDeliveries)
          .set({ state: 'pending', attempts: 0, lastError: null, updatedAt: clock() })
          .where(eq(notificationDeliveries.id, id));
        await writeOutbox(tx, 'notification.deliver', { delivery_id: id, priority: 'normal' });
      });
      const [delivery] = await select(eq(notificationDeliveries.id, id));
      if (!delivery) throw NotificationErrors.deliveryNotFound();
      return delivery;
    },
  };
}
export type DeliveryUseCases = ReturnType<typeof createDeliveryUseCases>;
