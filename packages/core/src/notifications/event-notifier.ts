import type { MessageKind } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { type SQL, sql } from 'drizzle-orm';
import type { EventNotifier, EventRow } from '../events';
import { writeOutbox } from '../outbox/write';
import type { NotificationPorts } from './ports';
import { channelMayReceiveSql, updateMessageKind } from './rules';
import { addEventSubscribers, insertEventSubscriberDeliveries, insertMessage } from './store';
import { eventMessagePayload } from './views';

/** The notifications side of event writes: subscriber sets and event messages (implements events' `EventNotifier`). */
export function createEventNotifier(ports: NotificationPorts): EventNotifier {
  const mayReceive = () => channelMayReceiveSql(ports.accounts);

  /** Adds to the event's subscriber set the channels that may receive following any of these services, a group holding one, or all. */
  async function addSubscribers(tx: Database, eventId: string, serviceIds: readonly string[] | 'event') {
    // No service added: the set stays as it was (a channel that began following all since is not added).
    if (serviceIds !== 'event' && serviceIds.length === 0) return;
    const followed: SQL =
      serviceIds === 'event'
        ? sql`(${ports.events.serviceIdsSql(eventId)})`
        : sql`(${sql.join(
            serviceIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`;
    await addEventSubscribers(tx, eventId, followed, ports.catalog.groupIdsOfServicesSql(followed), mayReceive());
  }

  /** Writes an event message and its fan-out request to the outbox. */
  async function queueMessage(tx: Database, event: EventRow, kind: MessageKind, text: string, dedupeKey?: string) {
    const names = await ports.catalog.serviceNames(tx, await ports.events.serviceIds(tx, event.id));
    const messageId = await insertMessage(tx, {
      kind,
      eventId: event.id,
      dedupeKey,
      payload: eventMessagePayload(event, text, names),
    });
    // Only a dedupe key can make the insert a no-op: that message was queued before.
    if (messageId === undefined) {
      if (dedupeKey) return undefined;
      throw new Error('insert returned no row');
    }
    await writeOutbox(tx, 'notification.fanout', { message_id: messageId });
    return messageId;
  }

  return {
    async opened(tx, event) {
      await addSubscribers(tx, event.id, 'event');
      if (event.notifySubscribers) await queueMessage(tx, event, 'initial', event.description || event.title);
    },

    async updated(tx, event, update, addedServiceIds) {
      await addSubscribers(tx, event.id, addedServiceIds);
      const kind = updateMessageKind(update, event.notifySubscribers);
      if (kind) await queueMessage(tx, event, kind, update.message);
    },

    async reminder(tx, event, text, dedupeKey) {
      return (await queueMessage(tx, event, 'reminder', text, dedupeKey)) !== undefined;
    },

    async deleting(tx, event) {
      if (event.status !== 'scheduled' || !event.notifySubscribers) return;
      const messageId = await queueMessage(tx, event, 'cancelled', `${event.title} has been cancelled.`);
      if (messageId === undefined) return;
      // The subscriber set goes with the event: its deliveries are written now.
      await insertEventSubscriberDeliveries(tx, messageId, event.id, mayReceive());
    },
  };
}
