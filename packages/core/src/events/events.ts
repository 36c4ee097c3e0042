import { randomUUID } from 'node:crypto';
import {
  type AddEventUpdateInput,
  type CreateEventInput,
  closedEventStatuses,
  type Event,
  type EventDetail,
  type EventServiceChange,
  type EventStatus,
  type EventUpdate,
  type ListEventsInput,
  type ServiceStatus,
  statusesOf,
  type UpdateEventInput,
} from '@statuspage/contracts';
import {
  type Database,
  eventGroups,
  eventServiceChanges,
  eventServices,
  events,
  eventUpdates,
  serviceStatusLog,
  services,
} from '@statuspage/db';
import { and, asc, desc, eq, inArray, ne, notInArray, type SQL, sql } from 'drizzle-orm';
import { writeOutbox } from '../outbox/write';
import type { Clock } from '../shared/clock';
import { changedColumns } from '../shared/patch';
import {
  assertServicesUsable,
  assertUnique,
  expandGroups,
  keepUsable,
  lockServices,
  type StatusSnapshot,
  snapshotStatuses,
} from './composition';
import { EventErrors } from './errors';
import type { EventNotifier } from './ports';
import { activeFirst, countEvents, isActive, isClosed, selectEventViews, selectUpdates, toUpdateDto } from './view';

export interface EventDeps {
  db: Database;
  clock: Clock;
  /** Fails (invalid, field template_id) unless the template exists; provided by the templates module. */
  assertTemplateExists(tx: Database, id: string): Promise<unknown>;
  /** Subscriber sets and messages (the notifications module). */
  notifier: EventNotifier;
}

const isClosedStatus = (status: EventStatus) => (closedEventStatuses as readonly string[]).includes(status);
const closingStatusOf = (type: 'incident' | 'maintenance'): EventStatus =>
  type === 'incident' ? 'resolved' : 'completed';

type ChangeRow = typeof eventServiceChanges.$inferInsert;
type EventRowType = typeof events.$inferSelect;

/** A maintenance with a schedule: the worker keeps delayed jobs for it. */
const isScheduledMaintenance = (event: EventRowType) =>
  event.type === 'maintenance' && (event.scheduledStartAt !== null || event.scheduledEndAt !== null);

/** Events: incidents and maintenance, their timeline, composition and effect on service status. */
export function createEventUseCases(deps: EventDeps) {
  const { db, clock } = deps;

  async function findEvent(tx: Database, id: string, lock = false) {
    const query = tx.select().from(events).where(eq(events.id, id));
    const [row] = lock ? await query.for('update') : await query;
    if (!row) throw EventErrors.notFound();
    return row;
  }

  async function view(tx: Database, id: string): Promise<Event> {
    const [event] = await selectEventViews(tx, { where: eq(events.id, id) });
    if (!event) throw EventErrors.notFound();
    return event;
  }

  /**
   * Writes a status-log entry (source `event`) for every service whose
   * effective status changed — or, where that did not change, whose stored
   * status did — between the two snapshots.
   */
  async function logStatusChanges(
    tx: Database,
    before: Map<string, StatusSnapshot>,
    after: Map<string, StatusSnapshot>,
    entry: { eventId: string; actorId: string | null; reason: string },
  ) {
    const rows: (typeof serviceStatusLog.$inferInsert)[] = [];
    for (const [serviceId, now] of after) {
      const then = before.get(serviceId);
      if (!then) continue;
      const pair =
        then.effective !== now.effective
          ? [then.effective, now.effective]
          : then.stored !== now.stored
            ? [then.stored, now.stored]
            : undefined;
      if (!pair) continue;
      rows.push({
        serviceId,
        oldStatus: pair[0] as ServiceStatus,
        newStatus: pair[1] as ServiceStatus,
        sourceType: 'event',
        eventId: entry.eventId,
        reason: entry.reason,
        createdBy: entry.actorId,
      });
    }
    if (rows.length > 0) await tx.insert(serviceStatusLog).values(rows);
  }

  /** On close: services of the event with no other active event get stored status operational. */
  async function restoreOperational(tx: Database, eventId: string, serviceIds: readonly string[], now: Date) {
    if (serviceIds.length === 0) return;
    const stillActive = await tx
      .selectDistinct({ id: eventServices.serviceId })
      .from(eventServices)
      .innerJoin(events, eq(events.id, eventServices.eventId))
      .where(and(inArray(eventServices.serviceId, [...serviceIds]), ne(events.id, eventId), isActive()));
    const busy = new Set(stillActive.map((row) => row.id));
    const free = serviceIds.filter((id) => !busy.has(id));
    if (free.length === 0) return;
    await tx
      .update(services)
      .set({ status: 'operational', updatedAt: now })
      .where(and(inArray(services.id, free), ne(services.status, 'operational')));
  }

  function validateTimes(input: CreateEventInput, now: Date) {
    const startedAt = input.started_at ? new Date(input.started_at) : undefined;
    const resolvedAt = input.resolved_at ? new Date(input.resolved_at) : undefined;
    const scheduledStart = input.scheduled_start_at ? new Date(input.scheduled_start_at) : undefined;
    const scheduledEnd = input.scheduled_end_at ? new Date(input.scheduled_end_at) : undefined;
    if (input.type === 'incident' && (scheduledStart || scheduledEnd)) {
      throw EventErrors.invalid(
        scheduledStart ? 'scheduled_start_at' : 'scheduled_end_at',
        'only maintenance can be scheduled',
      );
    }
    if (scheduledStart && scheduledEnd && scheduledEnd <= scheduledStart) {
      throw EventErrors.invalid('scheduled_end_at', 'scheduled_end_at must be after scheduled_start_at');
    }
    if (resolvedAt) {
      if (!startedAt) throw EventErrors.invalid('started_at', 'started_at is required with resolved_at');
      if (resolvedAt < startedAt) throw EventErrors.invalid('resolved_at', 'resolved_at must not be before started_at');
      if (resolvedAt.getTime() > now.getTime() + 60_000) {
        throw EventErrors.invalid('resolved_at', 'resolved_at must not be in the future');
      }
    }
    return { startedAt, resolvedAt, scheduledStart, scheduledEnd };
  }

  function checkUpdateInput(input: AddEventUpdateInput) {
    assertUnique(
      'service_updates',
      input.service_updates.map((service) => service.service_id),
    );
    assertUnique(
      'add_services',
      input.add_services.map((service) => service.service_id),
    );
    assertUnique(
      'add_groups',
      input.add_groups.map((group) => group.group_id),
    );
    assertUnique('remove_service_ids', input.remove_service_ids);
  }

  /** The body of an update, inside its transaction, on the event row locked by the caller. */
  async function applyUpdate(
    tx: Database,
    event: EventRowType,
    actorId: string | null,
    input: AddEventUpdateInput,
  ): Promise<EventUpdate> {
    const now = clock();
    if (isClosedStatus(event.status)) throw EventErrors.closed(event.status);
    if (!statusesOf(event.type).includes(input.status)) {
      throw EventErrors.invalid('status', `status ${input.status} is not a ${event.type} status`);
    }

    const current = await tx
      .select({ serviceId: eventServices.serviceId })
      .from(eventServices)
      .where(eq(eventServices.eventId, event.id));
    const inEvent = new Set(current.map((row) => row.serviceId));
    const notInEvent = (ids: string[], field: string) => {
      const missing = ids.filter((id) => !inEvent.has(id));
      if (missing.length > 0) throw EventErrors.invalid(field, `services not in this event: ${missing.join(', ')}`);
    };
    notInEvent(
      input.service_updates.map((service) => service.service_id),
      'service_updates',
    );
    notInEvent(input.remove_service_ids, 'remove_service_ids');
    const alreadyIn = input.add_services.filter((service) => inEvent.has(service.service_id));
    if (alreadyIn.length > 0) {
      throw EventErrors.invalid(
        'add_services',
        `services already in this event (use service_updates): ${alreadyIn.map((service) => service.service_id).join(', ')}`,
      );
    }
    const removing = new Set(input.remove_service_ids);
    const clash = input.service_updates.filter((service) => removing.has(service.service_id));
    if (clash.length > 0) {
      throw EventErrors.invalid(
        'remove_service_ids',
        `services both updated and removed: ${clash.map((service) => service.service_id).join(', ')}`,
      );
    }
    const addIds = input.add_services.map((service) => service.service_id);
    await assertServicesUsable(tx, 'add_services', addIds);
    const fromGroups = await expandGroups(tx, 'add_groups', input.add_groups);
    const usable = await lockServices(tx, [...new Set([...inEvent, ...fromGroups.keys(), ...addIds])]);
    // Services already in the event may be archived (archiving is allowed during a scheduled maintenance).
    keepUsable(new Set([...usable, ...inEvent]), 'add_services', addIds, fromGroups);
    const added = new Map<string, ServiceStatus>();
    for (const [serviceId, status] of fromGroups) {
      // Services already in the event keep their status; an explicit status wins over a group's.
      if (!inEvent.has(serviceId) || removing.has(serviceId)) added.set(serviceId, status);
    }
    for (const service of input.add_services) added.set(service.service_id, service.status);
    for (const serviceId of added.keys()) removing.delete(serviceId);

    const involved = [...new Set([...inEvent, ...added.keys()])];
    const before = await snapshotStatuses(tx, involved);

    for (const service of input.service_updates) {
      await tx
        .update(eventServices)
        .set({ status: service.status })
        .where(and(eq(eventServices.eventId, event.id), eq(eventServices.serviceId, service.service_id)));
    }
    if (removing.size > 0) {
      await tx
        .delete(eventServices)
        .where(and(eq(eventServices.eventId, event.id), inArray(eventServices.serviceId, [...removing])));
    }
    if (added.size > 0) {
      await tx
        .insert(eventServices)
        .values([...added].map(([serviceId, status]) => ({ eventId: event.id, serviceId, status, addedAt: now })))
        .onConflictDoUpdate({
          target: [eventServices.eventId, eventServices.serviceId],
          set: { status: sql`excluded.status` },
        });
    }
    if (input.add_groups.length > 0) {
      await tx
        .insert(eventGroups)
        .values(input.add_groups.map((group) => ({ eventId: event.id, groupId: group.group_id, addedAt: now })))
        .onConflictDoNothing();
    }

    const batchId = randomUUID();
    const reason = input.reason ?? '';
    const changes: ChangeRow[] = [
      ...input.add_groups.map((group) => ({ groupId: group.group_id, action: 'added' as const })),
      ...[...added.keys()].map((serviceId) => ({ serviceId, action: 'added' as const })),
      ...[...removing].map((serviceId) => ({ serviceId, action: 'removed' as const })),
    ].map((change) => ({ ...change, eventId: event.id, batchId, reason, createdBy: actorId, createdAt: now }));
    if (changes.length > 0) await tx.insert(eventServiceChanges).values(changes);

    const [update] = await tx
      .insert(eventUpdates)
      .values({
        eventId: event.id,
        status: input.status,
        message: input.message,
        notifySubscribers: input.notify_subscribers,
        createdBy: actorId,
        createdAt: now,
      })
      .returning();
    if (!update) throw new Error('insert returned no row');

    const closing = isClosedStatus(input.status);
    await tx
      .update(events)
      .set({
        status: input.status,
        updatedAt: now,
        ...(event.startedAt === null && input.status !== 'scheduled' ? { startedAt: now } : {}),
        ...(closing ? { resolvedAt: now } : {}),
      })
      .where(eq(events.id, event.id));
    // A maintenance closed before it started never affected its services: their stored status stays.
    if (closing && event.status !== 'scheduled') {
      const remaining = involved.filter((id) => !removing.has(id));
      await restoreOperational(tx, event.id, remaining, now);
    }
    const after = await snapshotStatuses(tx, involved);
    await logStatusChanges(tx, before, after, {
      eventId: event.id,
      actorId,
      reason: input.reason ?? `event ${input.status}: ${input.message}`.slice(0, 500),
    });
    const [updated] = await tx.select().from(events).where(eq(events.id, event.id));
    if (updated) {
      await deps.notifier.updated(
        tx,
        updated,
        { status: input.status, message: input.message, notify: input.notify_subscribers },
        [...added.keys()],
      );
    }
    return toUpdateDto(update);
  }

  return {
    /** Events, newest first, optionally of one type and status, one page of them when a limit is given. */
    list(filter: ListEventsInput) {
      const conditions: SQL[] = [];
      if (filter.type) conditions.push(eq(events.type, filter.type));
      if (filter.status) conditions.push(eq(events.status, filter.status));
      return selectEventViews(db, {
        where: and(...conditions),
        ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
        ...(filter.offset ? { offset: filter.offset } : {}),
      });
    },

    /** One event with its timeline. */
    async get(id: string): Promise<EventDetail> {
      const event = await view(db, id);
      return { ...event, updates: await selectUpdates(db, id) };
    },

    /** The timeline of an event, newest first. */
    async listUpdates(id: string): Promise<EventUpdate[]> {
      await findEvent(db, id);
      return selectUpdates(db, id);
    },

    /** The composition history of an event, oldest first. */
    async listChanges(id: string): Promise<EventServiceChange[]> {
      await findEvent(db, id);
      const rows = await db
        .select()
        .from(eventServiceChanges)
        .where(eq(eventServiceChanges.eventId, id))
        .orderBy(asc(eventServiceChanges.createdAt), asc(eventServiceChanges.batchId), asc(eventServiceChanges.action));
      return rows.map((row) => ({
        id: row.id,
        event_id: row.eventId,
        batch_id: row.batchId,
        action: row.action,
        service_id: row.serviceId,
        group_id: row.groupId,
        reason: row.reason,
        created_by: row.createdBy,
        created_at: row.createdAt.toISOString(),
      }));
    },

    /** Events of one service: active first, then newest; `active` or `resolved` only on request. */
    async forService(
      slug: string,
      page: { status?: 'active' | 'resolved' | undefined; limit: number; offset: number },
    ) {
      const [service] = await db.select({ id: services.id }).from(services).where(eq(services.slug, slug));
      if (!service) throw EventErrors.serviceNotFound();
      const conditions: SQL[] = [
        sql`exists (select 1 from ${eventServices} where ${eventServices.eventId} = ${events.id} and ${eventServices.serviceId} = ${service.id})`,
      ];
      if (page.status === 'active') conditions.push(isActive());
      if (page.status === 'resolved') conditions.push(isClosed());
      const where = and(...conditions);
      const [list, total] = await Promise.all([
        selectEventViews(db, {
          where,
          orderBy: [activeFirst, desc(events.createdAt), desc(events.id)],
          limit: page.limit,
          offset: page.offset,
        }),
        countEvents(db, where),
      ]);
      return { events: list, total, limit: page.limit, offset: page.offset };
    },

    /** What the public page shows now: active events (newest first), then upcoming maintenance (soonest first). */
    publicStatus() {
      return selectEventViews(db, {
        where: notInArray(events.status, [...closedEventStatuses]),
        orderBy: [
          activeFirst,
          sql`case when ${events.status} = 'scheduled' then ${events.scheduledStartAt} end asc nulls last`,
          desc(events.createdAt),
          desc(events.id),
        ],
      });
    },

    /** Recently closed events, most recently closed first. */
    history(limit = 50) {
      return selectEventViews(db, {
        where: isClosed(),
        orderBy: [sql`${events.resolvedAt} desc nulls last`, desc(events.createdAt)],
        limit,
      });
    },

    /**
     * Opens an incident or a maintenance on services (explicitly, or through
     * groups expanded now; an explicit status wins over a group's). Past
     * events (started_at and resolved_at given) are created closed and do not
     * touch service statuses. Status changes it causes are logged.
     */
    async create(actorId: string, input: CreateEventInput): Promise<Event> {
      const now = clock();
      if (!statusesOf(input.type).includes(input.status)) {
        throw EventErrors.invalid('status', `status ${input.status} is not a ${input.type} status`);
      }
      if (input.type === 'incident' && !input.severity) {
        throw EventErrors.invalid('severity', 'severity is required for incidents');
      }
      const times = validateTimes(input, now);
      const closed = Boolean(times.resolvedAt) || isClosedStatus(input.status);
      const status = times.resolvedAt ? closingStatusOf(input.type) : input.status;
      const startedAt = times.startedAt ?? (status === 'scheduled' ? null : now);
      const resolvedAt = closed ? (times.resolvedAt ?? now) : null;

      assertUnique(
        'affected_services',
        input.affected_services.map((service) => service.service_id),
      );
      assertUnique(
        'affected_groups',
        input.affected_groups.map((group) => group.group_id),
      );

      return db.transaction(async (tx) => {
        if (input.template_id) await deps.assertTemplateExists(tx, input.template_id);
        const explicitIds = input.affected_services.map((service) => service.service_id);
        await assertServicesUsable(tx, 'affected_services', explicitIds);
        const statuses = await expandGroups(tx, 'affected_groups', input.affected_groups);
        const usable = await lockServices(tx, [...new Set([...statuses.keys(), ...explicitIds])]);
        keepUsable(usable, 'affected_services', explicitIds, statuses);
        for (const service of input.affected_services) statuses.set(service.service_id, service.status);
        const serviceIds = [...statuses.keys()];

        const before = await snapshotStatuses(tx, serviceIds);
        const [event] = await tx
          .insert(events)
          .values({
            title: input.title,
            type: input.type,
            status,
            severity: input.severity ?? null,
            description: input.description,
            startedAt,
            resolvedAt,
            scheduledStartAt: times.scheduledStart ?? null,
            scheduledEndAt: times.scheduledEnd ?? null,
            notifySubscribers: input.notify_subscribers,
            templateId: input.template_id ?? null,
            createdBy: actorId,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        if (!event) throw new Error('insert returned no row');
        if (serviceIds.length > 0) {
          await tx.insert(eventServices).values(
            [...statuses].map(([serviceId, serviceStatus]) => ({
              eventId: event.id,
              serviceId,
              status: serviceStatus,
              addedAt: now,
            })),
          );
        }
        if (input.affected_groups.length > 0) {
          await tx
            .insert(eventGroups)
            .values(
              input.affected_groups.map((group) => ({ eventId: event.id, groupId: group.group_id, addedAt: now })),
            );
        }
        const batchId = randomUUID();
        const changes: ChangeRow[] = [
          ...input.affected_groups.map((group) => ({ groupId: group.group_id })),
          ...serviceIds.map((serviceId) => ({ serviceId })),
        ].map((target) => ({
          ...target,
          eventId: event.id,
          batchId,
          action: 'added' as const,
          reason: '',
          createdBy: actorId,
          createdAt: now,
        }));
        if (changes.length > 0) await tx.insert(eventServiceChanges).values(changes);
        await tx.insert(eventUpdates).values({
          eventId: event.id,
          status,
          message: input.description.trim() || input.title,
          notifySubscribers: input.notify_subscribers,
          createdBy: actorId,
          createdAt: now,
        });
        const after = await snapshotStatuses(tx, serviceIds);
        await logStatusChanges(tx, before, after, {
          eventId: event.id,
          actorId,
          reason: `event opened: ${input.title}`,
        });
        // A past event is history: nobody is told about it.
        if (!closed) await deps.notifier.opened(tx, event);
        if (!closed && isScheduledMaintenance(event)) {
          await writeOutbox(tx, 'maintenance.schedule', { event_id: event.id });
        }
        return view(tx, event.id);
      });
    },

    /**
     * Appends an update to the timeline and applies its composition changes in
     * one transaction, recorded as one batch. Closing (resolved/completed)
     * returns services without another active event to operational.
     */
    addUpdate(actorId: string | null, input: AddEventUpdateInput): Promise<EventUpdate> {
      checkUpdateInput(input);
      return db.transaction(async (tx) => {
        const event = await findEvent(tx, input.id, true);
        return applyUpdate(tx, event, actorId, input);
      });
    },

    /**
     * An automatic transition (scheduled maintenance): exactly what addUpdate
     * does, without an author, but only while the event — locked — still has
     * status `from`. Returns null, changing nothing, when it does not: a
     * manual transition in the meantime wins, and racing workers transition once.
     */
    transitionIfStatus(
      eventId: string,
      from: EventStatus,
      to: EventStatus,
      message: string,
    ): Promise<{ update: EventUpdate; event: EventRowType } | null> {
      return db.transaction(async (tx) => {
        const [event] = await tx.select().from(events).where(eq(events.id, eventId)).for('update');
        if (event?.status !== from) return null;
        const update = await applyUpdate(tx, event, null, {
          id: eventId,
          status: to,
          message,
          notify_subscribers: event.notifySubscribers,
          service_updates: [],
          add_services: [],
          add_groups: [],
          remove_service_ids: [],
        });
        return { update, event };
      });
    },

    /**
     * Changes an open event's title, description or scheduled times (end after
     * start); a maintenance whose times moved gets its jobs rescheduled.
     * Changing nothing writes nothing.
     */
    update(input: UpdateEventInput): Promise<Event> {
      const now = clock();
      return db.transaction(async (tx) => {
        const event = await findEvent(tx, input.id, true);
        if (isClosedStatus(event.status)) throw EventErrors.closed(event.status);
        const scheduling = input.scheduled_start_at !== undefined || input.scheduled_end_at !== undefined;
        if (scheduling && event.type !== 'maintenance') {
          throw EventErrors.invalid(
            input.scheduled_start_at !== undefined ? 'scheduled_start_at' : 'scheduled_end_at',
            'only maintenance can be scheduled',
          );
        }
        const start = input.scheduled_start_at ? new Date(input.scheduled_start_at) : event.scheduledStartAt;
        const end = input.scheduled_end_at ? new Date(input.scheduled_end_at) : event.scheduledEndAt;
        if (start && end && end <= start) {
          throw EventErrors.invalid('scheduled_end_at', 'scheduled_end_at must be after scheduled_start_at');
        }
        const changed = changedColumns(event, {
          title: input.title,
          description: input.description,
          scheduledStartAt: start,
          scheduledEndAt: end,
        });
        if (Object.keys(changed).length === 0) return view(tx, event.id);
        const [updated] = await tx
          .update(events)
          .set({ ...changed, updatedAt: now })
          .where(eq(events.id, event.id))
          .returning();
        const moved =
          start?.getTime() !== event.scheduledStartAt?.getTime() || end?.getTime() !== event.scheduledEndAt?.getTime();
        if (updated && moved && isScheduledMaintenance(updated)) {
          await writeOutbox(tx, 'maintenance.schedule', { event_id: event.id });
        }
        return view(tx, event.id);
      });
    },

    /** Open maintenance with a start or end time (what the worker schedules and reconciles). */
    listScheduledMaintenance(): Promise<EventRowType[]> {
      return db
        .select()
        .from(events)
        .where(
          and(
            eq(events.type, 'maintenance'),
            inArray(events.status, ['scheduled', 'in_progress']),
            sql`(${events.scheduledStartAt} is not null or ${events.scheduledEndAt} is not null)`,
          ),
        );
    },

    /**
     * Queues the reminder of a scheduled maintenance with notify_subscribers
     * that still starts at `scheduledStart`, once (keyed by event and start);
     * false when there is nothing (more) to send.
     */
    remind(eventId: string, scheduledStart: Date, text: string): Promise<boolean> {
      return db.transaction(async (tx) => {
        const [event] = await tx.select().from(events).where(eq(events.id, eventId)).for('update');
        if (event?.status !== 'scheduled' || !event.notifySubscribers) return false;
        if (event.scheduledStartAt?.getTime() !== scheduledStart.getTime()) return false;
        return deps.notifier.reminder(tx, event, text, `reminder-${eventId}-${scheduledStart.getTime()}`);
      });
    },

    /** One event row, or undefined. */
    async findRow(id: string): Promise<EventRowType | undefined> {
      const [row] = await db.select().from(events).where(eq(events.id, id));
      return row;
    },

    /**
     * Deletes an event that is not active (closed, or maintenance not started)
     * with its timeline, links, history and the status-log entries it caused;
     * service statuses stay as they are.
     */
    async delete(id: string) {
      await db.transaction(async (tx) => {
        const event = await findEvent(tx, id, true);
        if (!isClosedStatus(event.status) && event.status !== 'scheduled') throw EventErrors.deleteActive();
        await deps.notifier.deleting(tx, event);
        await tx.delete(events).where(eq(events.id, id));
        // Its pending jobs go: the worker finds the event gone.
        if (event.status === 'scheduled' && isScheduledMaintenance(event)) {
          await writeOutbox(tx, 'maintenance.schedule', { event_id: event.id });
        }
      });
    },
  };
}
export type EventUseCases = ReturnType<typeof createEventUseCases>;
