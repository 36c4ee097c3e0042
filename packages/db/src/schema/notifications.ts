import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
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
import { serviceGroups, services } from './catalog';
import { channelTypeEnum, deliveryStateEnum, subscriberStateEnum } from './enums';
import { events } from './events';
import { users } from './identity';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Someone without an account who subscribed from the public page or the API
 * (double opt-in): the owner of exactly one channel (`notification_channels.subscriber_id`).
 * The confirmation token and the address's manage links are never stored usable.
 */
export const subscribers = pgTable(
  'subscribers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /**
     * The contact address, normalised (trimmed, lower case): where its confirmation, manage and
     * failure e-mails go; for an e-mail channel also its target. Not unique: one address may own an
     * e-mail subscription and several webhook or chat ones (one subscriber per destination, below).
     */
    email: text('email').notNull(),
    state: subscriberStateEnum('state').notNull().default('pending'),
    /** SHA-256 of the pending confirmation token (null once confirmed: it works once). */
    confirmTokenHash: text('confirm_token_hash'),
    confirmExpiresAt: tz('confirm_expires_at'),
    /** When the last confirmation or manage e-mail was queued (the resend cooldown). */
    lastMailAt: tz('last_mail_at'),
    /** Part of every manage token: raising it invalidates the links already sent. */
    tokenVersion: integer('token_version').notNull().default(1),
    /** HMAC of the creating client's ip with APP_SECRET (the per-ip cap on pending confirmations), never the ip. */
    ipHash: text('ip_hash'),
    createdAt: tz('created_at').notNull().defaultNow(),
    confirmedAt: tz('confirmed_at'),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('subscribers_email_idx').on(t.email),
    uniqueIndex('subscribers_confirm_token_key').on(t.confirmTokenHash),
    index('subscribers_pending_idx').on(t.state, t.createdAt),
    index('subscribers_ip_idx').on(t.ipHash, t.state),
  ],
);

/**
 * Where notifications go: an e-mail address, a Telegram chat, or a Mattermost,
 * Slack, Discord, Teams or signed webhook URL, owned by a user account or by an
 * account-less subscriber (exactly one).
 */
export const notificationChannels = pgTable(
  'notification_channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    subscriberId: uuid('subscriber_id').references(() => subscribers.id, { onDelete: 'cascade' }),
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
    uniqueIndex('notification_channels_subscriber_key').on(t.subscriberId),
    /** One account-less subscriber per destination: an e-mail address, or a webhook or chat URL. */
    uniqueIndex('notification_channels_subscriber_target_key')
      .on(t.type, t.target)
      .where(sql`${t.subscriberId} is not null`),
    index('notification_channels_all_idx').on(t.subscribeToAll),
    check('notification_channels_one_owner', sql`(${t.userId} is null) <> (${t.subscriberId} is null)`),
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

/** Groups a channel is subscribed to: their current and future services (a group is not frozen into service ids). */
export const channelGroupSubscriptions = pgTable(
  'channel_group_subscriptions',
  {
    channelId: uuid('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id')
      .notNull()
      .references(() => serviceGroups.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.groupId] }),
    index('channel_group_subscriptions_group_idx').on(t.groupId),
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
