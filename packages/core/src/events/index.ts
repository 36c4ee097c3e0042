import type {
  AddEventUpdateInput,
  CreateEventInput,
  EventStatus,
  ServiceStatus,
  Severity,
  UpdateEventInput,
} from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { deleteEvent } from './delete-event';
import { editEvent } from './edit-event';
import { listScheduledMaintenance, remind } from './maintenance';
import { openEvent } from './open-event';
import type { EventDeps } from './ports';
import { postUpdate, transitionIfStatus } from './post-update';
import {
  cancellations,
  eventsByIds,
  eventsOfService,
  findRow,
  getEvent,
  history,
  historyPage,
  lastChange,
  latestUpdates,
  listChanges,
  listEvents,
  listUpdates,
  publicStatus,
  type TimelineFilter,
  timelines,
} from './reads';
import { isClosedStatus } from './rules';
import {
  eventServiceIds,
  eventServiceIdsOfSql,
  eventServiceIdsSql,
  findEvent,
  groupInActiveEvent,
  openEventIdsSql,
  selectServiceEventSpans,
  servicesInActiveEvents,
} from './store';

export { EventErrors } from './errors';
export type { EventCatalog, EventDeps, EventNotifier, EventRow } from './ports';
export type { TimelineFilter } from './reads';
export {
  activeEventStatusSql,
  isActiveStatus,
  isClosedStatus,
  type StatusChange,
  type StatusSnapshot,
  serviceStatusSeverity,
  severityOf,
  severitySql,
  worseStatus,
  worstStatusOf,
} from './rules';
export { worstActiveStatusesSql } from './store';
export type { CancelledMaintenance, EventTimeline } from './views';

/** Events: incidents and maintenance, their timeline, composition and effect on service status. */
export function createEventUseCases(deps: EventDeps) {
  return {
    list: (filter: Parameters<typeof listEvents>[1]) => listEvents(deps, filter),
    get: (id: string) => getEvent(deps, id),
    byIds: (ids: readonly string[]) => eventsByIds(deps, ids),
    listUpdates: (id: string) => listUpdates(deps, id),
    listChanges: (id: string) => listChanges(deps, id),
    forService: (slug: string, page: Parameters<typeof eventsOfService>[2]) => eventsOfService(deps, slug, page),
    publicStatus: () => publicStatus(deps),
    history: (limit?: number) => history(deps, limit),
    historyPage: (page: { limit: number; offset: number }) => historyPage(deps, page),
    latestUpdates: (eventIds: readonly string[]) => latestUpdates(deps, eventIds),
    timelines: (filter: TimelineFilter) => timelines(deps, filter),
    cancellations: (serviceId?: string) => cancellations(deps, serviceId),
    lastChange: () => lastChange(deps),
    create: (actorId: string | null, input: CreateEventInput) => openEvent(deps, actorId, input),
    addUpdate: (actorId: string | null, input: AddEventUpdateInput) => postUpdate(deps, actorId, input),
    transitionIfStatus: (eventId: string, from: EventStatus, to: EventStatus, message: string) =>
      transitionIfStatus(deps, eventId, from, to, message),
    update: (input: UpdateEventInput) => editEvent(deps, input),
    listScheduledMaintenance: () => listScheduledMaintenance(deps),
    remind: (eventId: string, scheduledStart: Date, text: string) => remind(deps, eventId, scheduledStart, text),
    findRow: (id: string) => findRow(deps, id),
    delete: (id: string) => deleteEvent(deps, id),
  };
}
export type EventUseCases = ReturnType<typeof createEventUseCases>;

/**
 * What the catalog asks of events (archiving is refused for services and groups
 * in an active event): implements the catalog's `CatalogEvents` port.
 */
export const eventsForCatalog = {
  servicesInActiveEvents: (tx: Database, serviceIds: readonly string[]) => servicesInActiveEvents(tx, serviceIds),
  groupInActiveEvent,
};

/**
 * What notifications asks of events (the services of an event, which events
 * are open): implements the notifications module's `NotificationEvents` port
 * (checked where createCore wires it; events imports nothing of notifications).
 */
export const eventsForNotifications = {
  serviceIds: eventServiceIds,
  serviceIdsSql: eventServiceIdsSql,
  serviceIdsOfSql: eventServiceIdsOfSql,
  openEventIdsSql,
};

/** What uptime asks of events (the incidents and maintenance of each day): implements its `UptimeEvents` port. */
export const eventsForUptime = {
  spans: selectServiceEventSpans,
};

/**
 * What integrations asks of events (an incident per alert group, opened, read and updated inside
 * the payload's transaction: the use-cases run over it, so their own transactions nest in it as
 * savepoints). Implements the integrations module's `IntegrationIncidents` port (checked where
 * createCore wires it; events imports nothing of integrations).
 */
export function eventsForIntegrations(deps: Omit<EventDeps, 'db'>) {
  const over = (tx: Database) => createEventUseCases({ ...deps, db: tx });
  return {
    async open(
      tx: Database,
      actorId: string | null,
      input: {
        title: string;
        description: string;
        severity: Severity;
        services: ReadonlyMap<string, ServiceStatus>;
        notify: boolean;
        templateId: string | null;
      },
    ) {
      const event = await over(tx).create(actorId, {
        title: input.title,
        type: 'incident',
        status: 'investigating',
        severity: input.severity,
        description: input.description.slice(0, 20_000),
        notify_subscribers: input.notify,
        ...(input.templateId ? { template_id: input.templateId } : {}),
        affected_services: [...input.services].map(([service_id, status]) => ({ service_id, status })),
        affected_groups: [],
      });
      return event.id;
    },
    async get(tx: Database, eventId: string) {
      const event = await findEvent(tx, eventId);
      if (!event) return null;
      return {
        status: event.status,
        closed: isClosedStatus(event.status),
        serviceIds: await eventServiceIds(tx, eventId),
      };
    },
    async update(
      tx: Database,
      actorId: string | null,
      eventId: string,
      input: {
        status: EventStatus;
        message: string;
        notify: boolean;
        serviceUpdates: ReadonlyMap<string, ServiceStatus>;
        add: ReadonlyMap<string, ServiceStatus>;
        remove: readonly string[];
      },
    ) {
      const pairs = (map: ReadonlyMap<string, ServiceStatus>) =>
        [...map].map(([service_id, status]) => ({ service_id, status }));
      await over(tx).addUpdate(actorId, {
        id: eventId,
        status: input.status,
        message: input.message.slice(0, 20_000),
        notify_subscribers: input.notify,
        service_updates: pairs(input.serviceUpdates),
        add_services: pairs(input.add),
        add_groups: [],
        remove_service_ids: [...input.remove],
      });
    },
  };
}
