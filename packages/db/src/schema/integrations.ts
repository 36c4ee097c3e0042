import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { services } from './catalog';
import { serviceStatusEnum } from './enums';
import { events, templates } from './events';
import { users } from './identity';

// Incoming alerts (Prometheus Alertmanager, Grafana, generic): the integrations that send them,
// each alert as last received, and the incident each alert group opened. Owned by the
// integrations module.

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const integrationKindEnum = pgEnum('integration_kind', ['alertmanager', 'grafana', 'generic']);

/** A monitoring system allowed to move service statuses, authenticated by its secret. */
export const integrations = pgTable('integrations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  kind: integrationKindEnum('kind').notNull(),
  /** SHA-256 (hex) of the secret: it is only ever compared, never shown again. */
  secretHash: text('secret_hash').notNull(),
  /** The secret's public start, to recognise it. */
  secretPrefix: text('secret_prefix').notNull(),
  /** The label whose value names the service (its slug, or a key of `serviceMap`). */
  serviceLabel: text('service_label').notNull().default('statuspage_service'),
  /** Label value → service slug; values not listed are read as slugs. */
  serviceMap: jsonb('service_map').$type<Record<string, string>>().notNull().default({}),
  /** Value of the `severity` label → status; unlisted severities get `defaultStatus`. */
  severityMap: jsonb('severity_map').$type<Record<string, string>>().notNull().default({}),
  defaultStatus: serviceStatusEnum('default_status').notNull().default('partial_outage'),
  /** Firing alerts also open an incident, one per alert group. */
  openIncidents: boolean('open_incidents').notNull().default(false),
  templateId: uuid('template_id').references(() => templates.id, { onDelete: 'set null' }),
  notifySubscribers: boolean('notify_subscribers').notNull().default(false),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: tz('created_at').notNull().defaultNow(),
  updatedAt: tz('updated_at').notNull().defaultNow(),
});

/**
 * Each alert as last received, by integration, fingerprint and start (Alertmanager resends the
 * same alert; a new start is a new alert). `status` is what it asks of its service; `ignored`
 * says why it moved nothing (no service label, unknown service).
 */
export const integrationAlerts = pgTable(
  'integration_alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    fingerprint: text('fingerprint').notNull(),
    startsAt: tz('starts_at').notNull(),
    groupKey: text('group_key').notNull().default(''),
    firing: boolean('firing').notNull(),
    serviceId: uuid('service_id').references(() => services.id, { onDelete: 'cascade' }),
    status: serviceStatusEnum('status'),
    ignored: text('ignored'),
    labels: jsonb('labels').$type<Record<string, string>>().notNull().default({}),
    summary: text('summary').notNull().default(''),
    receivedAt: tz('received_at').notNull().defaultNow(),
    resolvedAt: tz('resolved_at'),
  },
  (t) => [
    uniqueIndex('integration_alerts_identity_idx').on(t.integrationId, t.fingerprint, t.startsAt),
    index('integration_alerts_firing_service_idx').on(t.serviceId).where(sql`${t.firing}`),
    index('integration_alerts_group_idx').on(t.integrationId, t.groupKey),
  ],
);

/** The incident an alert group opened (integrations with `openIncidents`), while it is open. */
export const integrationIncidents = pgTable(
  'integration_incidents',
  {
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    groupKey: text('group_key').notNull(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    /** Service id → the status the alerts last gave it in the incident. */
    services: jsonb('services').$type<Record<string, string>>().notNull().default({}),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('integration_incidents_group_idx').on(t.integrationId, t.groupKey)],
);
