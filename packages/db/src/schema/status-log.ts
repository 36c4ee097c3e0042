import { date, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { services } from './catalog';
import { serviceStatusEnum, statusSourceEnum } from './enums';
import { events } from './events';
import { users } from './identity';
import { integrations } from './integrations';

// The status log refers to a service and to the event that caused a change: in its own file, catalog and
// events need not import each other. Its per-day rollup (the uptime bars) lives here too: both belong to
// the catalog module, which writes them in the same transaction.

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Every change of a service's stored status, with where it came from. */
export const serviceStatusLog = pgTable(
  'service_status_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    oldStatus: serviceStatusEnum('old_status'),
    newStatus: serviceStatusEnum('new_status').notNull(),
    // What visitors saw from this entry on: the service's effective status right after the write
    // (a manual change during an active event changes the stored status, not this one). The uptime
    // rollup is built from it.
    effectiveStatus: serviceStatusEnum('effective_status').notNull(),
    sourceType: statusSourceEnum('source_type').notNull(),
    // Deleting an event deletes the status-log entries it caused.
    eventId: uuid('event_id').references(() => events.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull().default(''),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    // The integration whose alerts made the change (source `webhook`); kept when it is deleted, as history.
    integrationId: uuid('integration_id').references(() => integrations.id, { onDelete: 'set null' }),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('service_status_log_service_idx').on(t.serviceId, t.createdAt),
    index('service_status_log_event_idx').on(t.eventId),
  ],
);

/**
 * The status log rolled up per service and local day of one time zone: the seconds spent in
 * each effective status. One row per service and local month, the month's days packed in
 * `seconds` — for day d (1-based) and status k in `rollupStatusOrder`, the element
 * (d − 1) × 5 + k — so that 90 days of 1,000 services are ~4,000 short rows, not 90,000.
 * Holds the closed intervals of the log (from one entry to the next); the open one (since the
 * latest entry) is added when read. Kept for every time zone listed in
 * `service_status_day_zones`, built from the log when a zone is first read.
 */
export const serviceStatusDays = pgTable(
  'service_status_days',
  {
    timeZone: text('time_zone').notNull(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    /** The first day of the local month. */
    month: date('month', { mode: 'string' }).notNull(),
    seconds: integer('seconds').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.timeZone, t.month, t.serviceId] })],
);

/** The order of the statuses in each day of `service_status_days.seconds`. */
export const rollupStatusOrder = ['operational', 'maintenance', 'degraded', 'partial_outage', 'major_outage'] as const;

/** The time zones `service_status_days` is kept for (the page's, and recent ones). */
export const serviceStatusDayZones = pgTable('service_status_day_zones', {
  timeZone: text('time_zone').primaryKey(),
  builtAt: tz('built_at').notNull().defaultNow(),
});
