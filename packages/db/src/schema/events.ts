import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { serviceGroups, services } from './catalog';
import { changeActionEnum, eventStatusEnum, eventTypeEnum, serviceStatusEnum, severityEnum } from './enums';
import { users } from './identity';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Reusable title/body texts with macros, for opening events quickly. */
export const templates = pgTable(
  'templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull(),
    type: eventTypeEnum('type').notNull(),
    titleTemplate: text('title_template').notNull(),
    bodyTemplate: text('body_template').notNull(),
    createdAt: tz('created_at').notNull().defaultNow(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('templates_slug_key').on(t.slug)],
);

/** Incidents and maintenance. */
export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    title: text('title').notNull(),
    type: eventTypeEnum('type').notNull(),
    status: eventStatusEnum('status').notNull(),
    severity: severityEnum('severity'),
    description: text('description').notNull().default(''),
    startedAt: tz('started_at'),
    resolvedAt: tz('resolved_at'),
    scheduledStartAt: tz('scheduled_start_at'),
    scheduledEndAt: tz('scheduled_end_at'),
    notifySubscribers: boolean('notify_subscribers').notNull().default(false),
    /** Times the scheduled window of a maintenance moved (a calendar's SEQUENCE). */
    rescheduleCount: integer('reschedule_count').notNull().default(0),
    templateId: uuid('template_id').references(() => templates.id, { onDelete: 'set null' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: tz('created_at').notNull().defaultNow(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('events_status_idx').on(t.status),
    index('events_created_idx').on(t.createdAt),
    // The active events (neither closed nor scheduled: `inactiveEventStatuses` of the contracts, which
    // core's effective-status query names in the same words), found without reading the history.
    index('events_active_idx').on(t.id).where(sql`${t.status} not in ('resolved', 'completed', 'scheduled')`),
  ],
);

/** The timeline: one row per update (status + message). */
export const eventUpdates = pgTable(
  'event_updates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    status: eventStatusEnum('status').notNull(),
    message: text('message').notNull(),
    notifySubscribers: boolean('notify_subscribers').notNull().default(false),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [index('event_updates_event_idx').on(t.eventId, t.createdAt)],
);

/** The services of an event, each with the status the event gives it. */
export const eventServices = pgTable(
  'event_services',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    status: serviceStatusEnum('status').notNull(),
    addedAt: tz('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.serviceId] }), index('event_services_service_idx').on(t.serviceId)],
);

/** The groups that were selected for an event (their services are expanded into event_services). */
export const eventGroups = pgTable(
  'event_groups',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id')
      .notNull()
      .references(() => serviceGroups.id, { onDelete: 'cascade' }),
    addedAt: tz('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.groupId] })],
);

/** Composition history: services and groups added to or removed from an event, one batch per request. */
export const eventServiceChanges = pgTable(
  'event_service_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    batchId: uuid('batch_id'),
    action: changeActionEnum('action').notNull(),
    serviceId: uuid('service_id').references(() => services.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id').references(() => serviceGroups.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull().default(''),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [index('event_service_changes_event_idx').on(t.eventId, t.createdAt)],
);

/**
 * Maintenance deleted before it started, kept for 30 days so subscribed
 * calendars learn of the cancellation (`STATUS:CANCELLED`). Nothing else reads
 * it: the event itself is gone, and so is every other trace of it. No
 * foreign keys: the event and its services may be gone.
 */
export const cancelledMaintenances = pgTable(
  'cancelled_maintenances',
  {
    eventId: uuid('event_id').primaryKey(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    scheduledStartAt: tz('scheduled_start_at'),
    scheduledEndAt: tz('scheduled_end_at'),
    /** The event's reschedule count plus one: the cancellation is one more revision. */
    sequence: integer('sequence').notNull(),
    serviceIds: uuid('service_ids').array().notNull().default([]),
    createdAt: tz('created_at').notNull(),
    cancelledAt: tz('cancelled_at').notNull(),
  },
  (t) => [index('cancelled_maintenances_cancelled_idx').on(t.cancelledAt)],
);
