import { inactiveEventStatuses } from '@statuspage/contracts';
import { type Database, eventGroups, eventServices, events } from '@statuspage/db';
import { and, eq, inArray, notInArray } from 'drizzle-orm';

/**
 * Which of these services are in an active event (not resolved, completed or
 * scheduled). Archiving is refused for them.
 */
export async function servicesInActiveEvents(db: Database, serviceIds: readonly string[]): Promise<string[]> {
  if (serviceIds.length === 0) return [];
  const rows = await db
    .selectDistinct({ id: eventServices.serviceId })
    .from(eventServices)
    .innerJoin(events, eq(events.id, eventServices.eventId))
    .where(
      and(inArray(eventServices.serviceId, [...serviceIds]), notInArray(events.status, [...inactiveEventStatuses])),
    );
  return rows.map((row) => row.id);
}

/** Whether the group was selected for an event that is active. */
export async function groupInActiveEvent(db: Database, groupId: string): Promise<boolean> {
  const rows = await db
    .select({ id: eventGroups.eventId })
    .from(eventGroups)
    .innerJoin(events, eq(events.id, eventGroups.eventId))
    .where(and(eq(eventGroups.groupId, groupId), notInArray(events.status, [...inactiveEventStatuses])))
    .limit(1);
  return rows.length > 0;
}
