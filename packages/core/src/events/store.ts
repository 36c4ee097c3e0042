import { closedEventStatuses, inactiveEventStatuses, type ServiceStatus } from '@statuspage/contracts';
import {
  cancelledMaintenances,
  type Database,
  eventGroups,
  eventServiceChanges,
  eventServices,
  events,
  eventUpdates,
} from '@statuspage/db';
import {
  and,
  arrayContains,
  asc,
  count,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNull,
  lt,
  max,
  ne,
  notInArray,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import { preparedQuery } from '../shared/prepared';
import { literalList, qualified } from '../shared/sql';
import { EventErrors } from './errors';
import type { EventRow } from './ports';
import { activeEventStatusSql, inactiveRankSql, severitySql, statusOfSeveritySql } from './rules';

// The SQL of the events module, over its own tables only. Every function takes the db or the
// transaction first, so the use-case owns the transaction.

export type ChangeRow = typeof eventServiceChanges.$inferInsert;
export type UpdateRow = typeof eventUpdates.$inferSelect;
export type ChangeRowSelected = typeof eventServiceChanges.$inferSelect;

// Services and groups of each event, as arrays, in the order they were added.
const serviceIdsSql = sql<string[]>`coalesce((
  select array_agg(${qualified(eventServices.serviceId)} order by ${qualified(eventServices.addedAt)}, ${qualified(eventServices.serviceId)})
  from ${eventServices} where ${qualified(eventServices.eventId)} = ${qualified(events.id)}
), '{}')`;
const groupIdsSql = sql<string[]>`coalesce((
  select array_agg(${qualified(eventGroups.groupId)} order by ${qualified(eventGroups.addedAt)}, ${qualified(eventGroups.groupId)})
  from ${eventGroups} where ${qualified(eventGroups.eventId)} = ${qualified(events.id)}
), '{}')`;

/** Active first (not resolved, completed or scheduled), then newest first. */
export const activeFirst = inactiveRankSql(qualified(events.status));

/** Events that are active. */
export const isActive = () => notInArray(events.status, [...inactiveEventStatuses]);
/** Events that are closed (resolved or completed). */
export const isClosed = () => inArray(events.status, [...closedEventStatuses]);
/** Events that are not closed. */
export const isOpen = () => notInArray(events.status, [...closedEventStatuses]);

// Active events, over events aliased `ev`.
const activeEventSql = activeEventStatusSql(sql.raw('ev.status'));

/**
 * A derived table: one row per service that is in an active event, `service_id` and
 * `worst_status` (the worst status its active events give it). It reads the active events only:
 * their ids first, once (the partial index `events_active_idx`), then their rows of
 * event_services by its primary key — never a service's history of closed events, so one
 * statement answers it for every service in about the time of the active rows. The catalog
 * joins it to `services` to build effective status (`catalog/store.ts`).
 */
export const worstActiveStatusesSql = (): SQL => sql`(
  select es.service_id, ${statusOfSeveritySql(sql`max(${severitySql(sql.raw('es.status'))})`)} as worst_status
  from event_services es
  where es.event_id = any(array(select ev.id from events ev where ${activeEventSql}))
  group by es.service_id
)`;

/** A subquery: the service ids of the event `eventId`. */
export const eventServiceIdsSql = (eventId: string): SQL =>
  sql`select es.service_id from event_services es where es.event_id = ${eventId}::uuid`;

/** A subquery: the service ids of the event `eventId` names (a column of the outer query). */
export const eventServiceIdsOfSql = (eventId: SQL): SQL =>
  sql`select es.service_id from event_services es where es.event_id = ${eventId}`;

/** A subquery: the ids of the events that are not closed. */
export const openEventIdsSql = (): SQL =>
  sql`select ev.id from events ev where ev.status not in ${sql.raw(literalList(closedEventStatuses))}`;

export interface EventQuery {
  where?: SQL | undefined;
  orderBy?: SQL[];
  limit?: number;
  offset?: number;
}

/** Event rows with their service and group ids. One query. */
export async function selectEventRows(db: Database, query: EventQuery = {}) {
  let statement = db
    .select({ event: events, serviceIds: serviceIdsSql, groupIds: groupIdsSql })
    .from(events)
    .where(query.where)
    .orderBy(...(query.orderBy ?? [desc(events.createdAt), desc(events.id)]))
    .$dynamic();
  if (query.limit !== undefined) statement = statement.limit(query.limit);
  if (query.offset !== undefined) statement = statement.offset(query.offset);
  return statement;
}
export type EventViewRow = Awaited<ReturnType<typeof selectEventRows>>[number];

/** Events of a type and status (each optional), newest first, one page when a limit is given: prepared per shape. */
export function selectEventRowsFiltered(
  db: Database,
  filter: {
    type?: EventRow['type'] | undefined;
    status?: EventRow['status'] | undefined;
    limit?: number;
    offset?: number;
  },
): Promise<EventViewRow[]> {
  const paged = filter.limit !== undefined;
  const skipped = Boolean(filter.offset);
  const name = `events_list_${filter.type ? 't' : ''}${filter.status ? 's' : ''}${paged ? 'l' : ''}${skipped ? 'o' : ''}`;
  const query = preparedQuery(db, name, (handle) => {
    let statement = handle
      .select({ event: events, serviceIds: serviceIdsSql, groupIds: groupIdsSql })
      .from(events)
      .where(
        and(
          filter.type ? eq(events.type, sql.placeholder('type')) : undefined,
          filter.status ? eq(events.status, sql.placeholder('status')) : undefined,
        ),
      )
      .orderBy(desc(events.createdAt), desc(events.id))
      .$dynamic();
    if (paged) statement = statement.limit(sql.placeholder('limit'));
    if (skipped) statement = statement.offset(sql.placeholder('offset'));
    return statement.prepare(name);
  });
  return query.execute({ type: filter.type, status: filter.status, limit: filter.limit, offset: filter.offset });
}

/** One event with its services and groups (prepared), or undefined. */
export async function selectEventRowById(db: Database, id: string): Promise<EventViewRow | undefined> {
  const query = preparedQuery(db, 'event_by_id', (handle) =>
    handle
      .select({ event: events, serviceIds: serviceIdsSql, groupIds: groupIdsSql })
      .from(events)
      .where(eq(events.id, sql.placeholder('id')))
      .prepare('event_by_id'),
  );
  const [row] = await query.execute({ id });
  return row;
}

/** Counts events matching a condition. */
export async function countEvents(db: Database, where: SQL | undefined) {
  const [row] = await db.select({ total: count() }).from(events).where(where);
  return row?.total ?? 0;
}

/** One event row, or undefined; `lock` locks it for the transaction. */
export async function findEvent(tx: Database, id: string, lock = false): Promise<EventRow | undefined> {
  const query = tx.select().from(events).where(eq(events.id, id));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

/** One event row; not found fails. */
export async function requireEvent(tx: Database, id: string, lock = false): Promise<EventRow> {
  const row = await findEvent(tx, id, lock);
  if (!row) throw EventErrors.notFound();
  return row;
}

/** The timeline of an event, newest first. */
export function selectUpdates(db: Database, eventId: string): Promise<UpdateRow[]> {
  const query = preparedQuery(db, 'event_updates', (handle) =>
    handle
      .select()
      .from(eventUpdates)
      .where(eq(eventUpdates.eventId, sql.placeholder('eventId')))
      .orderBy(desc(eventUpdates.createdAt), desc(eventUpdates.id))
      .prepare('event_updates'),
  );
  return query.execute({ eventId });
}

/** The latest update of each of these events (one query; events without updates are absent). */
export function selectLatestUpdates(db: Database, eventIds: readonly string[]): Promise<UpdateRow[]> {
  if (eventIds.length === 0) return Promise.resolve([]);
  return db
    .selectDistinctOn([eventUpdates.eventId])
    .from(eventUpdates)
    .where(inArray(eventUpdates.eventId, [...eventIds]))
    .orderBy(eventUpdates.eventId, desc(eventUpdates.createdAt), desc(eventUpdates.id));
}

/** The composition history of an event, oldest first. */
export function selectChanges(db: Database, eventId: string): Promise<ChangeRowSelected[]> {
  return db
    .select()
    .from(eventServiceChanges)
    .where(eq(eventServiceChanges.eventId, eventId))
    .orderBy(asc(eventServiceChanges.createdAt), asc(eventServiceChanges.batchId), asc(eventServiceChanges.action));
}

/** The ids of the services of an event. */
export async function eventServiceIds(tx: Database, eventId: string): Promise<string[]> {
  const rows = await tx
    .select({ serviceId: eventServices.serviceId })
    .from(eventServices)
    .where(eq(eventServices.eventId, eventId));
  return rows.map((row) => row.serviceId);
}

/** Of these services, those in an active event other than `exceptEventId` (all active events without it). */
export async function servicesInActiveEvents(
  tx: Database,
  serviceIds: readonly string[],
  exceptEventId?: string,
): Promise<string[]> {
  if (serviceIds.length === 0) return [];
  const rows = await tx
    .selectDistinct({ id: eventServices.serviceId })
    .from(eventServices)
    .innerJoin(events, eq(events.id, eventServices.eventId))
    .where(
      and(
        inArray(eventServices.serviceId, [...serviceIds]),
        exceptEventId === undefined ? undefined : ne(events.id, exceptEventId),
        isActive(),
      ),
    );
  return rows.map((row) => row.id);
}

/** Whether the group was selected for an event that is active. */
export async function groupInActiveEvent(tx: Database, groupId: string): Promise<boolean> {
  const rows = await tx
    .select({ id: eventGroups.eventId })
    .from(eventGroups)
    .innerJoin(events, eq(events.id, eventGroups.eventId))
    .where(and(eq(eventGroups.groupId, groupId), isActive()))
    .limit(1);
  return rows.length > 0;
}

/** Inserts an event row. */
export async function insertEvent(tx: Database, values: typeof events.$inferInsert): Promise<EventRow> {
  const [event] = await tx.insert(events).values(values).returning();
  if (!event) throw new Error('insert returned no row');
  return event;
}

/** Adds services to an event with their statuses; a service already in it gets the new status. */
export async function addEventServices(
  tx: Database,
  eventId: string,
  statuses: Iterable<[string, ServiceStatus]>,
  now: Date,
  onConflict: 'fail' | 'update',
) {
  const values = [...statuses].map(([serviceId, status]) => ({ eventId, serviceId, status, addedAt: now }));
  if (values.length === 0) return;
  const insert = tx.insert(eventServices).values(values);
  if (onConflict === 'fail') {
    await insert;
  } else {
    await insert.onConflictDoUpdate({
      target: [eventServices.eventId, eventServices.serviceId],
      set: { status: sql`excluded.status` },
    });
  }
}

/** Sets the status one service has in an event. */
export async function setEventServiceStatus(tx: Database, eventId: string, serviceId: string, status: ServiceStatus) {
  await tx
    .update(eventServices)
    .set({ status })
    .where(and(eq(eventServices.eventId, eventId), eq(eventServices.serviceId, serviceId)));
}

/** Removes services from an event. */
export async function removeEventServices(tx: Database, eventId: string, serviceIds: readonly string[]) {
  if (serviceIds.length === 0) return;
  await tx
    .delete(eventServices)
    .where(and(eq(eventServices.eventId, eventId), inArray(eventServices.serviceId, [...serviceIds])));
}

/** Records the groups selected for an event; `ignoreKnown` skips groups it already has. */
export async function addEventGroups(
  tx: Database,
  eventId: string,
  groupIds: readonly string[],
  now: Date,
  ignoreKnown: boolean,
) {
  if (groupIds.length === 0) return;
  const insert = tx.insert(eventGroups).values(groupIds.map((groupId) => ({ eventId, groupId, addedAt: now })));
  if (ignoreKnown) await insert.onConflictDoNothing();
  else await insert;
}

/** Appends composition-history rows. */
export async function insertChanges(tx: Database, changes: readonly ChangeRow[]) {
  if (changes.length > 0) await tx.insert(eventServiceChanges).values([...changes]);
}

/** Appends an update to the timeline. */
export async function insertUpdate(tx: Database, values: typeof eventUpdates.$inferInsert): Promise<UpdateRow> {
  const [update] = await tx.insert(eventUpdates).values(values).returning();
  if (!update) throw new Error('insert returned no row');
  return update;
}

/** Changes columns of an event row; returns the row as it is then. */
export async function updateEvent(
  tx: Database,
  id: string,
  values: Partial<typeof events.$inferInsert>,
): Promise<EventRow | undefined> {
  const [row] = await tx.update(events).set(values).where(eq(events.id, id)).returning();
  return row;
}

/** Deletes an event (its timeline, links, history and status-log entries go with it). */
export async function deleteEventRow(tx: Database, id: string) {
  await tx.delete(events).where(eq(events.id, id));
}

/** Open maintenance with a start or end time. */
export function selectScheduledMaintenance(db: Database): Promise<EventRow[]> {
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
}

/** Started events of these services that overlap [from, to): when each began and ended (null while open). */
/** Incidents and maintenance on these services (on every service: undefined) that overlap [from, to). */
export function selectServiceEventSpans(db: Database, serviceIds: readonly string[] | undefined, from: Date, to: Date) {
  return db
    .select({
      eventId: events.id,
      serviceId: eventServices.serviceId,
      startedAt: events.startedAt,
      endedAt: events.resolvedAt,
    })
    .from(eventServices)
    .innerJoin(events, eq(events.id, eventServices.eventId))
    .where(
      and(
        // One array parameter, however many services (a list of a thousand parameters is planned slowly).
        serviceIds === undefined
          ? undefined
          : sql`${eventServices.serviceId} = any(${`{${serviceIds.join(',')}}`}::uuid[])`,
        lt(events.startedAt, to),
        or(isNull(events.resolvedAt), gte(events.resolvedAt, from)),
      ),
    ) as Promise<{ eventId: string; serviceId: string; startedAt: Date; endedAt: Date | null }[]>;
}

export type CancellationRow = typeof cancelledMaintenances.$inferSelect;

/** Keeps the record of a cancelled maintenance (a second delete of the same id cannot happen: the event is gone). */
export async function keepCancellation(tx: Database, values: CancellationRow) {
  await tx.insert(cancelledMaintenances).values(values).onConflictDoNothing();
}

/** Forgets cancellations older than `before`. */
export async function purgeCancellations(tx: Database, before: Date) {
  await tx.delete(cancelledMaintenances).where(lt(cancelledMaintenances.cancelledAt, before));
}

/** Cancellations since `since`, of one service when given, most recently cancelled first. */
export function selectCancellations(db: Database, since: Date, serviceId?: string): Promise<CancellationRow[]> {
  return db
    .select()
    .from(cancelledMaintenances)
    .where(
      and(
        gt(cancelledMaintenances.cancelledAt, since),
        serviceId === undefined ? undefined : arrayContains(cancelledMaintenances.serviceIds, [serviceId]),
      ),
    )
    .orderBy(desc(cancelledMaintenances.cancelledAt), desc(cancelledMaintenances.eventId));
}

/** The timelines of several events, each newest first. */
export function selectUpdatesOf(db: Database, eventIds: readonly string[]): Promise<UpdateRow[]> {
  if (eventIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(eventUpdates)
    .where(inArray(eventUpdates.eventId, [...eventIds]))
    .orderBy(desc(eventUpdates.createdAt), desc(eventUpdates.id));
}

/** When an event or its timeline last changed, or null without events. */
export async function selectLastChange(db: Database): Promise<Date | null> {
  const [row] = await db.select({ at: max(events.updatedAt) }).from(events);
  return row?.at ?? null;
}

/**
 * The moment an event starts for lists ordered "newest first": when it
 * started, else (maintenance not started) when it is scheduled to, else when it was opened.
 */
export const startedOrScheduledSql = sql`coalesce(${events.startedAt}, ${events.scheduledStartAt}, ${events.createdAt})`;

/** When an event was made known: when it started or was opened, whichever came first (a past incident: its start). */
export const announcedSql = sql`least(${events.createdAt}, coalesce(${events.startedAt}, ${events.createdAt}))`;
