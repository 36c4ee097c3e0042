import { type Database, serviceGroupMembers, serviceStatusLog, services } from '@statuspage/db';
import { and, asc, eq, inArray, isNull, ne } from 'drizzle-orm';
import type { EventCatalog, StatusSnapshot } from '../events';
import { missingGroups, missingServices } from './store';
import { selectServiceViews } from './views';

/** The catalog's side of the events module's `EventCatalog` port. */
export const catalogForEvents: EventCatalog = {
  unusableServices: missingServices,

  async resolveGroups(tx: Database, groupIds: readonly string[]) {
    const missing = await missingGroups(tx, groupIds);
    if (groupIds.length === 0 || missing.length > 0) return { missing, members: [] };
    const members = await tx
      .select({ groupId: serviceGroupMembers.groupId, serviceId: serviceGroupMembers.serviceId })
      .from(serviceGroupMembers)
      .innerJoin(services, eq(services.id, serviceGroupMembers.serviceId))
      .where(and(inArray(serviceGroupMembers.groupId, [...groupIds]), isNull(services.archivedAt)));
    return { missing, members };
  },

  // Archiving locks the service row too, so an archive running at the same time
  // either finished first (and shows here) or sees the event.
  async lockServices(tx: Database, ids: readonly string[]) {
    if (ids.length === 0) return new Set<string>();
    const rows = await tx
      .select({ id: services.id, archivedAt: services.archivedAt })
      .from(services)
      .where(inArray(services.id, [...ids]))
      .orderBy(asc(services.id))
      .for('update');
    return new Set(rows.filter((row) => row.archivedAt === null).map((row) => row.id));
  },

  async statusSnapshot(tx: Database, ids: readonly string[]) {
    const views = await selectServiceViews(tx, { ids: [...ids], includeArchived: true });
    return new Map<string, StatusSnapshot>(
      views.map((view) => [view.id, { stored: view.status, effective: view.effective_status }]),
    );
  },

  async setStoredStatus(tx, ids, status, now) {
    if (ids.length === 0) return;
    await tx
      .update(services)
      .set({ status, updatedAt: now })
      .where(and(inArray(services.id, [...ids]), ne(services.status, status)));
  },

  async writeStatusLog(tx, entries) {
    if (entries.length === 0) return;
    await tx.insert(serviceStatusLog).values(
      entries.map((entry) => ({
        serviceId: entry.serviceId,
        oldStatus: entry.oldStatus,
        newStatus: entry.newStatus,
        sourceType: 'event' as const,
        eventId: entry.eventId,
        reason: entry.reason,
        createdBy: entry.actorId,
        createdAt: entry.at,
      })),
    );
  },

  async serviceIdBySlug(tx: Database, slug: string) {
    const [service] = await tx.select({ id: services.id }).from(services).where(eq(services.slug, slug));
    return service?.id;
  },
};
