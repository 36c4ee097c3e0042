import type { EventMessagePayload, MessageKind } from '@statuspage/contracts';
import { type Database, eventServices, notificationMessages, services } from '@statuspage/db';
import { asc, eq, sql } from 'drizzle-orm';
import type { EventNotifier, EventRow } from '../events';
import { writeOutbox } from '../outbox/write';
import { channelMayReceive } from './recipients';

/** Adds to the event's subscriber set the channels that may receive (recipients.ts) following any of these services (or all). */
async function addSubscribers(tx: Database, eventId: string, serviceIds: readonly string[] | 'event') {
  // No service added: the set stays as it was (a channel that began following all since is not added).
  if (serviceIds !== 'event' && serviceIds.length === 0) return;
  const followed =
    serviceIds === 'event'
      ? sql`(select es.service_id from event_services es where es.event_id = ${eventId}::uuid)`
      : sql`(${sql.join(
          serviceIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`;
  await tx.execute(sql`
    insert into event_subscribers (event_id, channel_id)
    select ${eventId}::uuid, notification_channels.id from notification_channels
    where ${channelMayReceive()} and (
      notification_channels.subscribe_to_all
      or exists (
        select 1 from channel_subscriptions s
        where s.channel_id = notification_channels.id and s.service_id in ${followed}
      )
    )
    on conflict do nothing`);
}

async function payloadOf(tx: Database, event: EventRow, text: string): Promise<EventMessagePayload> {
  const names = await tx
    .select({ name: services.name })
    .from(eventServices)
    .innerJoin(services, eq(services.id, eventServices.serviceId))
    .where(eq(eventServices.eventId, event.id))
    .orderBy(asc(services.order), asc(services.name));
  return {
    event: {
      id: event.id,
      title: event.title,
      type: event.type,
      status: event.status,
      severity: event.severity,
      scheduled_start_at: event.scheduledStartAt?.toISOString() ?? null,
      scheduled_end_at: event.scheduledEndAt?.toISOString() ?? null,
    },
    text,
    services: names.map((row) => row.name),
  };
}

/** Writes an event message and its fan-out request to the outbox. */
async function queueMessage(tx: Database, event: EventRow, kind: MessageKind, text: string, dedupeKey?: string) {
  const [message] = await tx
    .insert(notificationMessages)
    .values({ kind, eventId: event.id, dedupeKey, payload: await payloadOf(tx, event, text) })
    .onConflictDoNothing({ target: notificationMessages.dedupeKey })
    .returning({ id: notificationMessages.id });
  // Only a dedupe key can make the insert a no-op: that message was queued before.
  if (!message) {
    if (dedupeKey) return undefined;
    throw new Error('insert returned no row');
  }
  await writeOutbox(tx, 'notification.fanout', { message_id: message.id });
  return message.id;
}

/** The notifications side of event writes. */
export function createEventNotifier(): EventNotifier {
  return {
    async opened(tx, event) {
      await addSubscribers(tx, event.id, 'event');
      if (event.notifySubscribers) await queueMessage(tx, event, 'initial', event.description || event.title);
    },

    async updated(tx, event, update, addedServiceIds) {
      await addSubscribers(tx, event.id, addedServiceIds);
      const closing = update.status === 'resolved' || update.status === 'completed';
      if (!update.notify && !(closing && event.notifySubscribers)) return;
      const kind: MessageKind =
        update.status === 'resolved' ? 'resolved' : update.status === 'completed' ? 'completed' : 'update';
      await queueMessage(tx, event, kind, update.message);
    },

    async reminder(tx, event, text, dedupeKey) {
      return (await queueMessage(tx, event, 'reminder', text, dedupeKey)) !== undefined;
    },

    async deleting(tx, event) {
      if (event.status !== 'scheduled' || !event.notifySubscribers) return;
      const messageId = await queueMessage(tx, event, 'cancelled', `${event.title} has been cancelled.`);
      if (messageId === undefined) return;
      // The subscriber set goes with the event: its deliveries are written now.
      await tx.execute(sql`
        insert into notification_deliveries (message_id, channel_id, channel_type, target)
        select ${messageId}, notification_channels.id, notification_channels.type, notification_channels.target
        from event_subscribers es join notification_channels on notification_channels.id = es.channel_id
        where es.event_id = ${event.id}::uuid and ${channelMayReceive()}
        on conflict do nothing`);
    },
  };
}
