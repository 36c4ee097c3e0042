import type {
  Event,
  EventDetail,
  EventServiceChange,
  EventStatus,
  EventType,
  EventUpdate,
  ListEventsInput,
} from '@statuspage/contracts';
import { type Database, eventServices, events } from '@statuspage/db';
import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { EventErrors } from './errors';
import type { EventDeps, EventRow } from './ports';
import { CANCELLATION_KEPT_DAYS } from './rules';
import {
  activeFirst,
  announcedSql,
  countEvents,
  type EventQuery,
  findEvent,
  isActive,
  isClosed,
  isOpen,
  requireEvent,
  selectCancellations,
  selectChanges,
  selectEventRowById,
  selectEventRows,
  selectEventRowsFiltered,
  selectLastChange,
  selectLatestUpdates,
  selectUpdates,
  selectUpdatesOf,
  startedOrScheduledSql,
} from './store';
import {
  type CancelledMaintenance,
  type EventTimeline,
  toCancellation,
  toChangeDto,
  toEventDto,
  toUpdateDto,
} from './views';

/** Events in their wire shape with service and group ids. One query. */
export async function selectEventViews(db: Database, query: EventQuery = {}): Promise<Event[]> {
  return (await selectEventRows(db, query)).map(toEventDto);
}

/** One event in its wire shape; not found fails. */
export async function eventView(tx: Database, id: string): Promise<Event> {
  const row = await selectEventRowById(tx, id);
  if (!row) throw EventErrors.notFound();
  return toEventDto(row);
}

/** Events, newest first, optionally of one type and status, one page of them when a limit is given. */
export async function listEvents({ db }: EventDeps, filter: ListEventsInput) {
  const rows = await selectEventRowsFiltered(db, {
    type: filter.type,
    status: filter.status,
    ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
    ...(filter.offset ? { offset: filter.offset } : {}),
  });
  return rows.map(toEventDto);
}

/** One event with its timeline. */
export async function getEvent({ db }: EventDeps, id: string): Promise<EventDetail> {
  const event = await eventView(db, id);
  return { ...event, updates: (await selectUpdates(db, id)).map(toUpdateDto) };
}

/** The timeline of an event, newest first. */
export async function listUpdates({ db }: EventDeps, id: string): Promise<EventUpdate[]> {
  await requireEvent(db, id);
  return (await selectUpdates(db, id)).map(toUpdateDto);
}

/** The composition history of an event, oldest first. */
export async function listChanges({ db }: EventDeps, id: string): Promise<EventServiceChange[]> {
  await requireEvent(db, id);
  return (await selectChanges(db, id)).map(toChangeDto);
}

/** Events of one service: active first, then newest; `active` or `resolved` only on request. */
export async function eventsOfService(
  { db, catalog }: EventDeps,
  slug: string,
  page: { status?: 'active' | 'resolved' | undefined; limit: number; offset: number },
) {
  const serviceId = await catalog.serviceIdBySlug(db, slug);
  if (!serviceId) throw EventErrors.serviceNotFound();
  const conditions: SQL[] = [
    sql`exists (select 1 from ${eventServices} where ${eventServices.eventId} = ${events.id} and ${eventServices.serviceId} = ${serviceId})`,
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
}

/** What the public page shows now: active events (newest first), then upcoming maintenance (soonest first). */
export function publicStatus({ db }: EventDeps) {
  return selectEventViews(db, {
    where: isOpen(),
    orderBy: [
      activeFirst,
      sql`case when ${events.status} = 'scheduled' then ${events.scheduledStartAt} end asc nulls last`,
      desc(events.createdAt),
      desc(events.id),
    ],
  });
}

/** Recently closed events, most recently closed first. */
export function history({ db }: EventDeps, limit = 50) {
  return selectEventViews(db, {
    where: isClosed(),
    orderBy: [sql`${events.resolvedAt} desc nulls last`, desc(events.createdAt)],
    limit,
  });
}

/** One event row, or undefined. */
export function findRow({ db }: EventDeps, id: string): Promise<EventRow | undefined> {
  return findEvent(db, id);
}

/** One page of closed events, most recently closed first, with the number of closed events. */
export async function historyPage({ db }: EventDeps, page: { limit: number; offset: number }) {
  const where = isClosed();
  const [list, total] = await Promise.all([
    selectEventViews(db, {
      where,
      orderBy: [sql`${events.resolvedAt} desc nulls last`, desc(events.createdAt), desc(events.id)],
      limit: page.limit,
      offset: page.offset,
    }),
    countEvents(db, where),
  ]);
  return { events: list, total };
}

/** The latest update of each of these events, by event id (events without updates are absent). */
export async function latestUpdates({ db }: EventDeps, eventIds: readonly string[]): Promise<Map<string, EventUpdate>> {
  const rows = await selectLatestUpdates(db, eventIds);
  return new Map(rows.map((row) => [row.eventId, toUpdateDto(row)]));
}

/** These events in their wire shape (unknown ids are absent), newest first. */
export function eventsByIds({ db }: EventDeps, ids: readonly string[]): Promise<Event[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return selectEventViews(db, { where: inArray(events.id, [...new Set(ids)]) });
}

/** Which events `timelines` answers. */
export interface TimelineFilter {
  type?: EventType | undefined;
  statuses?: readonly EventStatus[] | undefined;
  /** Only events this service is in. */
  serviceId?: string | undefined;
  /** Only this event. */
  eventId?: string | undefined;
  limit?: number | undefined;
  /**
   * Newest first by `started` (when it started, else is scheduled to: the Statuspage lists) or by
   * `announced` (when it started or was opened, whichever came first: never in the future, for feeds).
   */
  order?: 'started' | 'announced';
}

/**
 * Events with their timelines (newest first) and reschedule counts, newest
 * first (see `order`). Two queries.
 */
export async function timelines({ db }: EventDeps, filter: TimelineFilter): Promise<EventTimeline[]> {
  const conditions: SQL[] = [];
  if (filter.type) conditions.push(eq(events.type, filter.type));
  if (filter.statuses) conditions.push(inArray(events.status, [...filter.statuses]));
  if (filter.eventId) conditions.push(eq(events.id, filter.eventId));
  if (filter.serviceId) {
    conditions.push(
      sql`exists (select 1 from ${eventServices} where ${eventServices.eventId} = ${events.id} and ${eventServices.serviceId} = ${filter.serviceId})`,
    );
  }
  const rows = await selectEventRows(db, {
    where: and(...conditions),
    orderBy: [
      desc(filter.order === 'announced' ? announcedSql : startedOrScheduledSql),
      desc(events.createdAt),
      desc(events.id),
    ],
    ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
  });
  const updates = await selectUpdatesOf(
    db,
    rows.map((row) => row.event.id),
  );
  const byEvent = new Map<string, EventUpdate[]>();
  for (const update of updates) {
    const list = byEvent.get(update.eventId) ?? [];
    list.push(toUpdateDto(update));
    byEvent.set(update.eventId, list);
  }
  return rows.map((row) => ({
    event: toEventDto(row),
    updates: byEvent.get(row.event.id) ?? [],
    rescheduleCount: row.event.rescheduleCount,
  }));
}

/** Maintenance cancelled (deleted before it started) in the last 30 days, of one service when given. */
export async function cancellations({ db, clock }: EventDeps, serviceId?: string): Promise<CancelledMaintenance[]> {
  const since = new Date(clock().getTime() - CANCELLATION_KEPT_DAYS * 86_400_000);
  return (await selectCancellations(db, since, serviceId)).map(toCancellation);
}

/** When an event or its timeline last changed, or null without events. */
export function lastChange({ db }: EventDeps): Promise<Date | null> {
  return selectLastChange(db);
}
