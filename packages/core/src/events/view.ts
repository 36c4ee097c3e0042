import { type Event, type EventStatus, type EventUpdate, inactiveEventStatuses } from '@statuspage/contracts';
import { type Database, eventGroups, eventServices, events, eventUpdates } from '@statuspage/db';
import { count, desc, eq, inArray, notInArray, type SQL, sql } from 'drizzle-orm';
import { normaliseArray, qualified } from '../catalog/service-view';

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
export const activeFirst = sql`case when ${qualified(events.status)} in ('resolved', 'completed', 'scheduled') then 1 else 0 end`;

export const isActive = () => notInArray(events.status, [...inactiveEventStatuses]);
export const isClosed = () => inArray(events.status, ['resolved', 'completed'] as EventStatus[]);

export interface EventQuery {
  where?: SQL | undefined;
  orderBy?: SQL[];
  limit?: number;
  offset?: number;
}

const iso = (value: Date | null) => value?.toISOString() ?? null;

/** Events in their wire shape with service and group ids. One query. */
export async function selectEventViews(db: Database, query: EventQuery = {}): Promise<Event[]> {
  let statement = db
    .select({ event: events, serviceIds: serviceIdsSql, groupIds: groupIdsSql })
    .from(events)
    .where(query.where)
    .orderBy(...(query.orderBy ?? [desc(events.createdAt), desc(events.id)]))
    .$dynamic();
  if (query.limit !== undefined) statement = statement.limit(query.limit);
  if (query.offset !== undefined) statement = statement.offset(query.offset);
  const rows = await statement;
  return rows.map(({ event, serviceIds, groupIds }) => ({
    id: event.id,
    title: event.title,
    type: event.type,
    status: event.status,
    severity: event.severity,
    description: event.description,
    started_at: iso(event.startedAt),
    resolved_at: iso(event.resolvedAt),
    scheduled_start_at: iso(event.scheduledStartAt),
    scheduled_end_at: iso(event.scheduledEndAt),
    notify_subscribers: event.notifySubscribers,
    template_id: event.templateId,
    created_by: event.createdBy,
    service_ids: normaliseArray(serviceIds),
    group_ids: normaliseArray(groupIds),
    created_at: event.createdAt.toISOString(),
    updated_at: event.updatedAt.toISOString(),
  }));
}

/** Counts events matching a condition. */
export async function countEvents(db: Database, where: SQL | undefined) {
  const [row] = await db.select({ total: count() }).from(events).where(where);
  return row?.total ?? 0;
}

/** The timeline of an event, newest first. */
export async function selectUpdates(db: Database, eventId: string): Promise<EventUpdate[]> {
  const rows = await db
    .select()
    .from(eventUpdates)
    .where(eq(eventUpdates.eventId, eventId))
    .orderBy(desc(eventUpdates.createdAt), desc(eventUpdates.id));
  return rows.map(toUpdateDto);
}

export function toUpdateDto(row: typeof eventUpdates.$inferSelect): EventUpdate {
  return {
    id: row.id,
    event_id: row.eventId,
    status: row.status,
    message: row.message,
    notify_subscribers: row.notifySubscribers,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
  };
}
