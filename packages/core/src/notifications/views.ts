import type {
  AdminSubscriber,
  Delivery,
  EventMessagePayload,
  MessageKind,
  NotificationChannel,
} from '@statuspage/contracts';
import type { EventRow } from '../events';
import type { ChannelRow, DeliveryListRow, ReceiverRow } from './store';

// Row → wire shape (the contracts output types) of notifications. Pure.

/** The wire shape of a channel row. */
export function toChannelDto(row: ChannelRow): NotificationChannel {
  return {
    id: row.id,
    user_id: row.userId,
    type: row.type,
    target: row.target,
    is_enabled: row.isEnabled,
    is_verified: row.isVerified,
    is_default: row.isDefault,
    ...(row.signingSecret !== null ? { signing_secret: row.signingSecret } : {}),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** A channel with what it follows: every service, or the listed ones (empty when it follows all). */
export function toChannelSubscriptions(channel: ChannelRow, serviceIds: readonly string[]) {
  return {
    channel: toChannelDto(channel),
    subscribe_to_all_services: channel.subscribeToAll,
    subscribed_service_ids: channel.subscribeToAll ? [] : [...serviceIds],
  };
}

/** The wire shape of a delivery with its message's kind and event. */
export function toDeliveryDto({ delivery, kind, eventId }: DeliveryListRow): Delivery {
  return {
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
  };
}

/** What an event message carries: the event as it is now, the text, and its services' names in display order. */
export function eventMessagePayload(
  event: EventRow,
  text: string,
  serviceNames: readonly string[],
): EventMessagePayload {
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
    services: [...serviceNames],
  };
}

/** A receiver (account channel or account-less subscriber) as the admin's list shows it. */
export function toAdminSubscriber(
  row: ReceiverRow,
  serviceIds: readonly string[],
  groupIds: readonly string[],
): AdminSubscriber {
  const { channel } = row;
  return {
    channel_id: channel.id,
    kind: channel.subscriberId ? 'subscriber' : 'account',
    user_id: channel.userId,
    subscriber_id: channel.subscriberId,
    type: channel.type,
    target: channel.target,
    contact_email: row.subscriber?.email ?? null,
    state: row.state,
    subscribe_to_all_services: channel.subscribeToAll,
    service_ids: channel.subscribeToAll ? [] : [...serviceIds],
    group_ids: channel.subscribeToAll ? [] : [...groupIds],
    created_at: channel.createdAt.toISOString(),
  };
}
