import { z } from 'zod';
import { Email, envelope, queryInt, Timestamp, Uuid } from './common';
import { ChannelType } from './enums';

export const NotificationChannel = z.object({
  id: Uuid,
  /** The owning account; null for an account-less subscriber's channel. */
  user_id: Uuid.nullable(),
  type: ChannelType,
  target: z.string(),
  is_enabled: z.boolean(),
  is_verified: z.boolean(),
  is_default: z.boolean(),
  /**
   * Webhook channels only: the signing secret (HMAC-SHA256 key of `X-StatusPage-Signature`), in
   * every answer about the channel, which only its owner ever gets. Absent for other types, so
   * their shape stays the contract's.
   */
  signing_secret: z.string().optional(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type NotificationChannel = z.infer<typeof NotificationChannel>;
export const ChannelResponse = envelope(NotificationChannel);
export const ChannelsResponse = envelope(z.array(NotificationChannel));

/** A Telegram chat id: a (possibly negative) integer, or a public @channel username. */
export const TelegramChatId = z
  .string()
  .regex(/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/, 'must be a Telegram chat id (a number) or an @channel name');
/** A Mattermost incoming-webhook URL. */
export const WebhookUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL of a Mattermost incoming webhook' })
  .max(2048);

/**
 * An http(s) URL for the other HTTP channel types. Only the scheme is checked here (a Slack URL
 * need not be on hooks.slack.com: Slack-compatible servers and proxies exist); where it may point
 * is judged by the address guard when it is called.
 */
const httpTarget = (what: string) =>
  z.url({ protocol: /^https?$/, message: `must be an http(s) URL of ${what}` }).max(2048);

const targetByType = {
  email: Email,
  telegram: TelegramChatId,
  mattermost: WebhookUrl,
  webhook: httpTarget('your webhook receiver'),
  slack: httpTarget('a Slack incoming webhook'),
  discord: httpTarget('a Discord webhook'),
  teams: httpTarget('a Microsoft Teams incoming webhook (workflow)'),
} as const;

/** A new channel; the target is checked against its type (address, chat id or webhook URL). */
export const CreateChannelInput = z
  .strictObject({ type: ChannelType, target: z.string().trim().min(1).max(2048) })
  .superRefine((value, ctx) => {
    const result = targetByType[value.type].safeParse(value.target);
    if (!result.success) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: result.error.issues[0]?.message ?? 'invalid target' });
    }
  });
export type CreateChannelInput = z.infer<typeof CreateChannelInput>;

export const ChannelIdInput = z.strictObject({ id: Uuid });
export const UpdateChannelInput = z.strictObject({ id: Uuid, is_enabled: z.boolean().optional() });
export const VerifyChannelInput = z.strictObject({
  id: Uuid,
  /** The 6-digit code sent to an e-mail channel; Telegram and Mattermost need none. */
  code: z
    .string()
    .regex(/^\d{6}$/, 'must be 6 digits')
    .optional(),
});
export const MessageDataResponse = envelope(z.object({ message: z.string() }));

export const ChannelWithSubscriptions = z.object({
  channel: NotificationChannel,
  subscribe_to_all_services: z.boolean(),
  subscribed_service_ids: z.array(Uuid),
});
export const SubscriptionsMatrixResponse = envelope(z.object({ channels: z.array(ChannelWithSubscriptions) }));

export const SetChannelSubscriptionsInput = z.strictObject({
  id: Uuid,
  subscribe_to_all_services: z.boolean().default(false),
  service_ids: z.array(Uuid).max(10_000).default([]),
});
export type SetChannelSubscriptionsInput = z.infer<typeof SetChannelSubscriptionsInput>;
export const ChannelSubscriptionsResponse = envelope(
  z.object({
    channel_id: Uuid,
    subscribe_to_all_services: z.boolean(),
    subscribed_service_ids: z.array(Uuid),
  }),
);

export const NotificationsConfigResponse = envelope(
  z.object({
    available_channels: z.array(ChannelType),
    telegram: z.object({ bot_username: z.string() }).nullable(),
  }),
);

/** Kinds of notification messages. */
export const messageKinds = [
  'initial',
  'update',
  'resolved',
  'completed',
  'cancelled',
  'reminder',
  'verification',
  'password_reset',
  'subscriber_confirmation',
  'subscriber_manage',
  'channel_disabled',
] as const;
export const MessageKind = z.enum(messageKinds);
export type MessageKind = z.infer<typeof MessageKind>;

export const deliveryStates = ['pending', 'sent', 'failed'] as const;
export const DeliveryState = z.enum(deliveryStates);

export const Delivery = z.object({
  id: z.number().int(),
  message_id: z.number().int(),
  kind: MessageKind,
  event_id: Uuid.nullable(),
  channel_id: Uuid.nullable(),
  channel_type: ChannelType,
  target: z.string(),
  state: DeliveryState,
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  sent_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Delivery = z.infer<typeof Delivery>;

export const ListDeliveriesInput = z.object({
  event_id: Uuid.optional(),
  channel_id: Uuid.optional(),
  state: DeliveryState.optional(),
  limit: queryInt({ min: 1, max: 200 }).default(50),
  offset: queryInt({ min: 0 }).default(0),
});
export const DeliveriesResponse = envelope(
  z.object({
    deliveries: z.array(Delivery),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  }),
);
export const DeliveryIdInput = z.strictObject({ id: queryInt({ min: 1 }) });
export const DeliveryResponse = envelope(Delivery);

/** What an event message says, fixed when it is written (later edits do not change sent text). */
export const EventMessagePayload = z.object({
  event: z.object({
    id: Uuid,
    title: z.string(),
    type: z.enum(['incident', 'maintenance']),
    status: z.string(),
    severity: z.string().nullable(),
    scheduled_start_at: z.string().nullable(),
    scheduled_end_at: z.string().nullable(),
  }),
  /** The update's text (or the event's description for the first message). */
  text: z.string(),
  /** Names of the affected services. */
  services: z.array(z.string()),
});
export type EventMessagePayload = z.infer<typeof EventMessagePayload>;

export const VerificationPayload = z.object({ code: z.string() });
export const PasswordResetPayload = z.object({ first_name: z.string(), token: z.string(), expires_at: z.string() });
/** The confirmation e-mail of an account-less subscriber: its single-use token (removed once sent). */
export const SubscriberConfirmationPayload = z.object({
  token: z.string(),
  expires_at: z.string(),
  /** A URL subscriber's destination in words (its kind and origin); absent for an e-mail subscriber. */
  destination: z.string().optional(),
});
/** The "manage your subscription" e-mail: the subscriber's manage token (removed once sent). */
export const SubscriberManagePayload = z.object({ token: z.string() });

/** The e-mail telling a channel's owner that the channel was disabled after failing again and again. */
export const ChannelDisabledPayload = z.object({
  channel_id: Uuid,
  channel_type: ChannelType,
  /** Where the channel pointed, without path or query (they may hold the webhook's token). */
  destination: z.string(),
  failures: z.number().int(),
  last_error: z.string(),
});
export type ChannelDisabledPayload = z.infer<typeof ChannelDisabledPayload>;
