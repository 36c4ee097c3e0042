import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { services } from './catalog';
import { channelTypeEnum, deliveryStateEnum } from './enums';
import { events } from './events';
import { users } from './identity';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Where a user receives notifications: an e-mail address, a Telegram chat, or a Mattermost, Slack, Discord, Teams or signed webhook URL. */
export const notificationChannels = pgTable(
  'notification_channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: channelTypeEnum('type').notNull(),
    target: text('target').notNull(),
    isEnabled: boolean('is_enabled').notNull().default(true),
    isVerified: boolean('is_verified').notNull().default(false),
    /** The account's own e-mail channel: created unverified with the account (it sends nothing until its code is entered), cannot be deleted. */
    isDefault: boolean('is_default').notNull().default(false),
    /** Subscribed to every service, including future ones. */
    subscribeToAll: boolean('subscribe_to_all').notNull().default(false),
    /** A webhook channel's HMAC key for `X-StatusPage-Signature` (random, made with the channel); null for other types. */
    signingSecret: text('signing_secret'),
    /** Deliveries that failed for good in a row (HTTP channels); reset by a success, the channel is disabled at the limit. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    createdAt: tz('created_at').notNull().defaultNow(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('notification_channels_user_target_key').on(t.userId, t.type, t.target),
    index('notification_channels_all_idx').on(t.subscribeToAll),
  ],
);

/** The pending verification code of a channel (only its hash), with its attempts and cooldown. */
export const channelVerifications = pgTable('channel_verifications', {
  channelId: uuid('channel_id')
    .primaryKey()
    .references(() => notificationChannels.id, { onDelete: 'cascade' }),
  codeHash: text('code_hash').notNull(),
  expiresAt: tz('expires_at').notNull(),
  attempts: integer('attempts').notNull().default(0),
  sentAt: tz('sent_at').notNull().defaultNow(),
});

/**
 * Every verification code sent, by target address and requesting user. The
 * cooldown and the hourly limits are counted here, so they survive deleting
 * and re-creating the channel. Rows older than a day are pruned as new ones come.
 */
export const verificationSends = pgTable(
  'verification_sends',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    target: text('target').notNull(),
    userId: uuid('user_id').notNull(),
    sentAt: tz('sent_at').notNull().defaultNow(),
  },
  (t) => [
    index('verification_sends_target_idx').on(t.target, t.sentAt),
    index('verification_sends_user_idx').on(t.userId, t.sentAt),
  ],
);

/** Services a channel is subscribed to (when it is not subscribed to all). */
export const channelSubscriptions = pgTable(
  'channel_subscriptions',
  {
    channelId: uuid('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.serviceId] }),
    index('channel_subscriptions_service_idx').on(t.serviceId),
  ],
);

/** The subscriber set of an event, fixed when it is created (services added later add theirs). */
export const eventSubscribers = pgTable(
  'event_subscribers',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    addedAt: tz('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.channelId] })],
);

/**
 * One message to send (an event notification, a verification code, a
 * password-reset e-mail): what to say, rendered per channel at delivery.
 */
export const notificationMessages = pgTable(
  'notification_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    eventId: uuid('event_id').references(() => events.id, { onDelete: 'set null' }),
    /** Makes creating the message idempotent when it is made from a redelivered job (e.g. `outbox:42`). */
    dedupeKey: text('dedupe_key'),
    payload: jsonb('payload').notNull(),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('notification_messages_event_idx').on(t.eventId),
    uniqueIndex('notification_messages_dedupe_key').on(t.dedupeKey),
  ],
);

/** One message to one channel: its state, attempts and last error (kept here, not only in Redis). */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Random per row: the delivery's job id and Message-ID, never repeated across database lifetimes. */
    uid: uuid('uid').notNull().defaultRandom(),
    messageId: bigint('message_id', { mode: 'number' })
      .notNull()
      .references(() => notificationMessages.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id').references(() => notificationChannels.id, { onDelete: 'set null' }),
    /** The address it went to (kept when the channel is deleted, and for direct e-mails). */
    channelType: channelTypeEnum('channel_type').notNull(),
    target: text('target').notNull(),
    state: deliveryStateEnum('state').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    sentAt: tz('sent_at'),
    createdAt: tz('created_at').notNull().defaultNow(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('notification_deliveries_message_channel_key').on(t.messageId, t.channelType, t.target),
    index('notification_deliveries_state_idx').on(t.state),
    index('notification_deliveries_channel_idx').on(t.channelId),
  ],
);
