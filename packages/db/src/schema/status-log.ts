import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { services } from './catalog';
import { serviceStatusEnum, statusSourceEnum } from './enums';
import { events } from './events';
import { users } from './identity';

// The status log refers to a service and to the event that caused a change: in its own file, catalog and
// events need not import each other.

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
    sourceType: statusSourceEnum('source_type').notNull(),
    // Deleting an event deletes the status-log entries it caused.
    eventId: uuid('event_id').references(() => events.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull().default(''),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('service_status_log_service_idx').on(t.serviceId, t.createdAt),
    // What an event changed (the feeds' and the Statuspage API's affected components).
    index('service_status_log_event_idx').on(t.eventId),
  ],
);
