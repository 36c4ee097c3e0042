import type { ChannelType } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import type { SQL } from 'drizzle-orm';
import type { Clock } from '../shared/clock';

/**
 * What the notifications module needs from the identity module: whether a
 * channel's owner may receive. SQL, because the one recipients rule
 * (`channelMayReceiveSql` in rules.ts) runs inside single statements (fan-out,
 * subscriber sets, loading deliveries). Declared here; identity implements it
 * and createCore wires it.
 */
export interface NotificationAccounts {
  /** The account `userId` (a column or value of the outer query) exists and is active, as SQL. */
  activeAccountSql(userId: SQL): SQL<boolean>;
  /** The address that account is told things at (its sign-in e-mail), or undefined when it is gone or inactive. */
  contactAddress(tx: Database, userId: string): Promise<string | undefined>;
}

/**
 * What the notifications module needs from the catalog module: which
 * services may be followed and how they are named and ordered. Declared here;
 * the catalog implements it and createCore wires it.
 */
export interface NotificationCatalog {
  /** Of these ids, those naming a service that exists and is not archived, in display order (order, then name). */
  followableServices(tx: Database, ids: readonly string[]): Promise<string[]>;
  /** The names of these services (archived ones included), in display order (order, then name). */
  serviceNames(tx: Database, ids: readonly string[]): Promise<string[]>;
  /** Of these ids, those naming a group that exists and is not archived, in display order. */
  followableGroups(tx: Database, ids: readonly string[]): Promise<string[]>;
  /**
   * A subquery: the groups (not archived) holding any of `serviceIds` (a
   * parenthesised list or subquery) — a group subscription means its current
   * and future services, so memberships are read when a subscriber set is written.
   */
  groupIdsOfServicesSql(serviceIds: SQL): SQL;
  /** Every service that may be followed, with its name, in display order. */
  serviceList(tx: Database): Promise<{ id: string; name: string }[]>;
  /** The names of the groups that may be followed, by id. */
  groupNames(tx: Database): Promise<Map<string, string>>;
}

/**
 * What the notifications module needs from the events module: the services
 * of an event and which events are still open. Declared here; the events
 * module implements it and createCore wires it.
 */
export interface NotificationEvents {
  /** The ids of the event's services. */
  serviceIds(tx: Database, eventId: string): Promise<string[]>;
  /** A subquery: the service ids of the event `eventId` (for one-statement subscriber sets). */
  serviceIdsSql(eventId: string): SQL;
  /** A subquery: the service ids of the event a column of the outer query names. */
  serviceIdsOfSql(eventId: SQL): SQL;
  /** A subquery: the ids of the events that are not closed. */
  openEventIdsSql(): SQL;
}

/** The other modules' sides, wired by createCore (the event notifier and the pipeline need only these). */
export interface NotificationPorts {
  accounts: NotificationAccounts;
  catalog: NotificationCatalog;
  events: NotificationEvents;
}

export interface NotificationSettings {
  /** Channel types this server can deliver to (Mattermost always; e-mail and Telegram by configuration). */
  availableTypes: ChannelType[];
  telegramBotUsername?: string | undefined;
  /** Lifetime of an e-mail verification code. */
  codeTtlSeconds: number;
  /** Wrong codes allowed before a new one must be requested. */
  maxCodeAttempts: number;
  /** Minimum time between two codes to one address (whichever channel or user asked). */
  resendCooldownSeconds: number;
  /** Codes one address may receive in an hour (all channels and users together). */
  maxCodesPerAddressPerHour: number;
  /** Codes one user may have sent in an hour (all addresses together). */
  maxCodesPerUserPerHour: number;
  /** Account-less subscribers: the least time between two confirmation or manage e-mails to one address. */
  subscriberMailCooldownSeconds: number;
  /** Account-less subscribers: unconfirmed subscriptions one client ip may have at once. */
  maxPendingSubscribersPerIp: number;
}

/** Sends a test message to prove a chat or webhook channel works; throws with a reason otherwise. */
export interface ChannelProbe {
  /**
   * Whether the chat (`target`: its id or `@username`) recently sent the bot
   * `/start <startParameter>` — what opening the bot's deep link does.
   */
  telegramStarted(target: string, startParameter: string): Promise<boolean>;
  telegram(chatId: string, text: string): Promise<void>;
  mattermost(webhookUrl: string, text: string): Promise<void>;
  /** Why this URL may not be called at all (its host is a private or local address outside the allowed networks). */
  addressRefusal(url: string): string | undefined;
  /** POSTs a ready JSON body (a Slack, Discord, Teams or signed webhook test) that must be answered 2xx. */
  webhook(url: string, request: { body: string; headers?: Record<string, string> | undefined }): Promise<void>;
}

/** Why a probe failed, in words for the channel's owner. */
export class ProbeFailure extends Error {
  override readonly name = 'ProbeFailure';
}

/** Everything the notifications use-cases are given by createCore. */
export interface NotificationDeps extends NotificationPorts {
  db: Database;
  clock: Clock;
  settings: NotificationSettings;
  /** Test messages for Telegram and Mattermost verification (the api provides it). */
  probe: ChannelProbe;
  /** The public page's base URL (links in verification test messages, the webhooks' documentation link). */
  baseUrl: string;
  /** APP_SECRET: derives each Telegram channel's start parameter and signs unsubscribe links. */
  secret: string;
  /** The secret before a rotation: unsubscribe links it signed are still accepted. */
  previousSecret?: string | undefined;
}
