import { type Database, readInstallationId } from '@statuspage/db';
import { auditedDatabase, createAuditUseCases } from './audit';
import {
  catalogForEvents,
  catalogForIntegrations,
  catalogForNotifications,
  catalogForUptime,
  createGroupUseCases,
  createServiceUseCases,
  type GroupUseCases,
  type ServiceUseCases,
} from './catalog';
import {
  createEventUseCases,
  eventsForCatalog,
  eventsForIntegrations,
  eventsForNotifications,
  eventsForUptime,
} from './events';
import {
  createIdentityUseCases,
  type IdentityConfig,
  type IdentityNotifier,
  identityForNotifications,
} from './identity';
import { createIntegrationUseCases, type IntegrationIncidents, type IntegrationTemplates } from './integrations';
import {
  type ChannelProbe,
  createEventNotifier,
  createNotificationPipeline,
  createNotificationUseCases,
  type NotificationPorts,
  type NotificationSettings,
} from './notifications';
import { writeOutbox } from './outbox/write';
import { createPageUseCases, type PageUseCases } from './page';
import { type Clock, systemClock } from './shared/clock';
import { createSyndicationUseCases, type SyndicationUseCases } from './syndication';
import { assertTemplateExists, createTemplateUseCases, templatesForIntegrations } from './templates';
import { createUptimeUseCases, type UptimeUseCases } from './uptime';

export {
  type AuditActor,
  type AuditContext,
  type AuditedTable,
  auditedTables,
  pruneAuditEntries,
  triggerArguments,
  unauditedTables,
  withAuditActor,
  withAuditContext,
  withoutAuditContext,
} from './audit';
export { effectiveStatusSql, hasActiveEventsSql, selectServicesWithStatus } from './catalog';
export { worstStatusOf } from './events';
export {
  type AuthenticatedSession,
  configurePasswordWork,
  defaultPasswordWorkSettings,
  hashPassword,
  type IdentityConfig,
  isApiKeyFormat,
  type KeyCaller,
  type PasswordWorkSettings,
  type PasswordWorkStats,
  passwordWork,
  type SessionUser,
  verifyPassword,
} from './identity';
export { type AlertDelivery, type AlertsOutcome, type IgnoredReason, ignoredReasons } from './integrations';
export {
  type ChannelProbe,
  type ChatMessage,
  CONSECUTIVE_FAILURE_LIMIT,
  chatMessageOf,
  type DeliveryRef,
  destinationOf,
  directKinds,
  discordLimits,
  discordPayload,
  eventKinds,
  httpChannelTypes,
  type LoadedDelivery,
  MANAGE_PATH,
  manageToken,
  type NotificationSettings,
  ProbeFailure,
  prunePendingSubscribers,
  type RenderContext,
  type RenderedMessage,
  renderChannelDisabled,
  renderEventMessage,
  renderPasswordReset,
  renderSubscriberConfirmation,
  renderSubscriberManage,
  renderVerification,
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  SUBSCRIBE_ANSWER,
  slackLimits,
  slackPayload,
  statuspageWebhookBody,
  teamsPayload,
  telegramStartParameter,
  UNSUBSCRIBE_PATH,
  UNSUBSCRIBE_TOKEN_TTL_DAYS,
  unsubscribeToken,
  verifyUnsubscribeToken,
  webhookDocumentationUrl,
  webhookSignature,
} from './notifications';
export type { ClaimedOutboxRow, OutboxRowRef } from './outbox/store';
export * as outboxStore from './outbox/store';
export { defaultPageSettings } from './page';
export type { Clock } from './shared/clock';
export { DomainError, type DomainErrorKind } from './shared/errors';
export type {
  BadgeModel,
  BadgeTarget,
  CalendarEvent,
  CalendarModel,
  FeedEntry,
  FeedModel,
  MaintenanceList,
  SyndicationPage,
  SyndicationUseCases,
  WebhookSnapshot,
} from './syndication';
export {
  assertTemplateExists,
  checkTemplate,
  formatTimestamp,
  getTemplateById,
  parseTemplate,
  type RenderedTemplate,
  renderEventTemplate,
  renderTemplate,
  sampleTemplateValues,
  type TemplatePart,
  TemplateSyntaxError,
  type TemplateValues,
} from './templates';
export {
  addDays,
  type DaysQuery,
  type DayUptime,
  downtimeWeight,
  localDate,
  type MonthsQuery,
  type MonthUptime,
  type ServiceDays,
  UptimeErrors,
  type UptimeUseCases,
} from './uptime';

/** The password-reset e-mail is a direct message: an outbox row the worker sends (implements identity's port). */
const identityNotifier: IdentityNotifier = {
  async passwordResetRequested(tx, message) {
    await writeOutbox(tx, 'email.password_reset', message);
  },
};

/** What notifications needs from identity, catalog and events: the same for the api and the worker. */
const notificationPorts: NotificationPorts = {
  accounts: identityForNotifications,
  catalog: catalogForNotifications,
  events: eventsForNotifications,
};

/** The delivery lifecycle the worker drives (fan-out, direct messages, sending, repair), wired with its ports. */
export const notificationPipeline = createNotificationPipeline(notificationPorts);

/** What the events use-cases are given besides the database. */
function eventDeps(clock: Clock) {
  return { clock, assertTemplateExists, notifier: createEventNotifier(notificationPorts), catalog: catalogForEvents };
}

/** The events use-cases alone, wired as createCore wires them (the worker's scheduled maintenance). */
export function createEventsCore(db: Database, clock: Clock = systemClock) {
  return createEventUseCases({ db: auditedDatabase(db), ...eventDeps(clock) });
}
export type EventsCore = ReturnType<typeof createEventsCore>;

/** The installation's id, read once (it never changes); a failed read is tried again next time. */
function installationIdOf(db: Database) {
  let pageId: Promise<string> | undefined;
  return () => {
    // On the primary: the read creates the row when a restore lost it.
    pageId ??= readInstallationId(db).catch((error: unknown) => {
      pageId = undefined;
      throw error;
    });
    return pageId;
  };
}

/** Syndication over the other modules' use-cases (the api's machine views, the worker's Statuspage webhooks). */
function wireSyndication(
  clock: Clock,
  publicBaseUrl: string | undefined,
  pageId: () => Promise<string>,
  uses: {
    services: ReturnType<typeof createServiceUseCases>;
    groups: ReturnType<typeof createGroupUseCases>;
    events: EventsCore;
    page: ReturnType<typeof createPageUseCases>;
  },
) {
  const { services, groups, events, page } = uses;
  return createSyndicationUseCases({
    baseUrl: (publicBaseUrl ?? 'http://localhost:8080').replace(/\/+$/, ''),
    clock,
    page: page.get,
    pageId,
    catalog: {
      services: () => services.list({ include_archived: true }),
      groups: () => groups.list({ include_archived: false }),
      eventStatusChanges: (eventIds) => services.eventStatusChanges(eventIds),
    },
    events: {
      timelines: events.timelines,
      cancellations: events.cancellations,
      lastChange: events.lastChange,
    },
  });
}

/** The Statuspage view of an event and the page, wired as createCore wires it (the worker's webhook deliveries). */
export function createWebhookSnapshots(db: Database, publicBaseUrl: string, clock: Clock = systemClock) {
  const syndication = wireSyndication(clock, publicBaseUrl, installationIdOf(db), {
    services: createServiceUseCases({ db, clock, events: eventsForCatalog }),
    groups: createGroupUseCases({ db, clock, events: eventsForCatalog }),
    events: createEventsCore(db, clock),
    page: createPageUseCases({ db, clock }),
  });
  return syndication.webhookSnapshot;
}

/**
 * The reads behind the public page, its REST reads and its feeds: what a read replica may
 * answer. Only reads: none of them writes (the one that would, building an uptime time zone,
 * is sent to the primary).
 */
export interface PublicReads {
  services: Pick<ServiceUseCases, 'list' | 'get'>;
  groups: Pick<GroupUseCases, 'list' | 'get'>;
  events: Pick<
    EventsCore,
    'list' | 'get' | 'byIds' | 'forService' | 'publicStatus' | 'history' | 'historyPage' | 'latestUpdates'
  >;
  page: Pick<PageUseCases, 'get'>;
  uptime: UptimeUseCases;
  syndication: SyndicationUseCases;
}

/** The public reads over a read replica; the primary builds uptime zones and keeps the installation id. */
function createReplicaReads(
  readDb: Database,
  primary: Database,
  clock: Clock,
  publicBaseUrl: string | undefined,
): PublicReads {
  const db = auditedDatabase(readDb);
  const services = createServiceUseCases({ db, clock, events: eventsForCatalog });
  const groups = createGroupUseCases({ db, clock, events: eventsForCatalog });
  const events = createEventsCore(db, clock);
  const page = createPageUseCases({ db, clock });
  return {
    services,
    groups,
    events,
    page,
    uptime: createUptimeUseCases({ db, primary, clock, catalog: catalogForUptime, events: eventsForUptime }),
    syndication: wireSyndication(clock, publicBaseUrl, installationIdOf(primary), { services, groups, events, page }),
  };
}

export interface CoreOptions {
  db: Database;
  /**
   * A read replica of `db` (DATABASE_READ_URL): only `replicaReads` run on it. Every write,
   * and every other read, stays on `db`.
   */
  readDb?: Database | undefined;
  identity: IdentityConfig;
  notifications: {
    settings: NotificationSettings;
    /** Test messages for Telegram and Mattermost verification (the api provides it). */
    probe: ChannelProbe;
    /** Signs one-click unsubscribe links (shared by api and worker). */
    secret: string;
    /** The secret before a rotation: links it signed are still accepted. */
    previousSecret?: string | undefined;
  };
  clock?: Clock;
  /** The public page's base URL (absolute links of feeds, calendars and the Statuspage API). */
  publicBaseUrl?: string;
}

/** Wires the use-cases of every module over one database handle. */
export function createCore(options: CoreOptions) {
  const clock = options.clock ?? systemClock;
  // Every transaction opened inside an audit context records who it was opened for (the audit module).
  const db = auditedDatabase(options.db);
  const notifications = createNotificationUseCases({
    ...notificationPorts,
    db,
    clock,
    settings: options.notifications.settings,
    probe: options.notifications.probe,
    baseUrl: (options.publicBaseUrl ?? 'http://localhost:8080').replace(/\/+$/, ''),
    secret: options.notifications.secret,
    previousSecret: options.notifications.previousSecret,
  });
  const { channels } = notifications;
  // Every new account (registration or admin creation) gets its default e-mail channel, unverified.
  const onAccountCreated = (tx: Database, user: { id: string; email: string }) =>
    channels.createDefault(tx, user.id, user.email);
  const { auth, users, apiKeys } = createIdentityUseCases({
    db,
    clock,
    config: options.identity,
    onAccountCreated,
    notifier: identityNotifier,
  });
  const services = createServiceUseCases({ db, clock, events: eventsForCatalog });
  const groups = createGroupUseCases({ db, clock, events: eventsForCatalog });
  const events = createEventsCore(db, clock);
  const page = createPageUseCases({ db, clock });
  const incidents: IntegrationIncidents = eventsForIntegrations(eventDeps(clock));
  const integrationTemplates: IntegrationTemplates = templatesForIntegrations;
  const integrations = createIntegrationUseCases({
    db,
    clock,
    catalog: catalogForIntegrations,
    incidents,
    templates: integrationTemplates,
  });
  const syndication = wireSyndication(clock, options.publicBaseUrl, installationIdOf(db), {
    services,
    groups,
    events,
    page,
  });
  const uptime = createUptimeUseCases({ db, clock, catalog: catalogForUptime, events: eventsForUptime });
  const replicaReads: PublicReads = options.readDb
    ? createReplicaReads(options.readDb, db, clock, options.publicBaseUrl)
    : { services, groups, events, page, uptime, syndication };
  return {
    audit: createAuditUseCases({ db, clock }),
    auth,
    users,
    apiKeys,
    services,
    groups,
    templates: createTemplateUseCases({ db, clock }),
    events,
    integrations,
    syndication,
    channels,
    subscriptions: notifications.subscriptions,
    deliveries: notifications.deliveries,
    unsubscribe: notifications.unsubscribe,
    subscribers: notifications.subscribers,
    subscriberAdmin: notifications.subscriberAdmin,
    page,
    uptime,
    notificationsConfig: notifications.config,
    /**
     * The public reads over the read replica (`readDb`), for the api's public cache refills
     * that may use it; without a replica, the same use-cases as above, on the primary.
     */
    replicaReads,
  };
}
export type Core = ReturnType<typeof createCore>;
