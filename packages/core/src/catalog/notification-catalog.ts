import { type Database, services } from '@statuspage/db';
import { and, asc, inArray, isNull } from 'drizzle-orm';
import type { NotificationCatalog } from '../notifications';

/** The catalog's side of the notifications module's `NotificationCatalog` port. */
export const catalogForNotifications: NotificationCatalog = {
  async followableServices(tx: Database, ids: readonly string[]) {
    if (ids.length === 0) return [];
    const rows = await tx
      .select({ id: services.id })
      .from(services)
      .where(and(inArray(services.id, [...ids]), isNull(services.archivedAt)))
      .orderBy(asc(services.order), asc(services.name));
    return rows.map((row) => row.id);
  },

  async serviceNames(tx: Database, ids: readonly string[]) {
    if (ids.length === 0) return [];
    const rows = await tx
      .select({ name: services.name })
      .from(services)
      .where(inArray(services.id, [...ids]))
      .orderBy(asc(services.order), asc(services.name));
    return rows.map((row) => row.name);
  },
};
