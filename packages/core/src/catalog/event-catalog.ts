import type { Database } from '@statuspage/db';
import type { EventCatalog, StatusSnapshot } from '../events';
import { deleteEventEntries } from './status-days';
import { logStatusChanges } from './status-log';
import {
  activeMembersOfGroups,
  lockServiceRows,
  missingGroups,
  missingServices,
  serviceIdBySlug,
  setServicesStatus,
} from './store';
import { selectServiceViews } from './views';

/** The catalog's side of the events module's `EventCatalog` port. */
export const catalogForEvents: EventCatalog = {
  unusableServices: missingServices,

  async resolveGroups(tx: Database, groupIds: readonly string[]) {
    const missing = await missingGroups(tx, groupIds);
    if (groupIds.length === 0 || missing.length > 0) return { missing, members: [] };
    const members = await activeMembersOfGroups(tx, groupIds);
    return { missing, members };
  },

  // Archiving locks the service row too, so an archive running at the same time
  // either finished first (and shows here) or sees the event.
  async lockServices(tx: Database, ids: readonly string[]) {
    if (ids.length === 0) return new Set<string>();
    const rows = await lockServiceRows(tx, ids);
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
    await setServicesStatus(tx, ids, status, now);
  },

  async writeStatusLog(tx, entries, at) {
    await logStatusChanges(
      tx,
      entries.map((entry) => ({
        serviceId: entry.serviceId,
        oldStatus: entry.oldStatus,
        newStatus: entry.newStatus,
        sourceType: 'event' as const,
        eventId: entry.eventId,
        reason: entry.reason,
        createdBy: entry.actorId,
        createdAt: at,
      })),
      at,
    );
  },

  deleteStatusLogOf: deleteEventEntries,

  serviceIdBySlug,
};
