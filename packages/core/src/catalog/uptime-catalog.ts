import { type Database, serviceStatusLog, services } from '@statuspage/db';
import { and, asc, inArray, isNull, sql } from 'drizzle-orm';
import { qualified } from '../shared/sql';
import { prepareTimeZone, selectDayDurations, timeZoneKept } from './status-days';
import { effectiveStatusSql, selectServicesWithStatus } from './store';

// Uses the (service_id, created_at) index of the log: one lookup per service.
const latestEntrySql = sql`(select max(l.created_at) from ${serviceStatusLog} l where l.service_id = ${qualified(services.id)})`;

/**
 * The catalog's side of the uptime module's `UptimeCatalog` port: services with their current
 * effective status and the time of their latest status-log entry, and the log's per-day rollup.
 */
export const catalogForUptime = {
  async services(db: Database, ids?: readonly string[]) {
    if (ids?.length === 0) return [];
    const rows = await selectServicesWithStatus(db, {
      id: services.id,
      status: effectiveStatusSql,
      createdAt: services.createdAt,
      latestAt: latestEntrySql.mapWith(serviceStatusLog.createdAt),
    })
      .where(ids ? inArray(services.id, [...ids]) : and(isNull(services.archivedAt)))
      .orderBy(asc(services.order), asc(services.name), asc(services.id));
    return rows.map((row) => ({
      id: row.id,
      status: row.status,
      since: (row.latestAt as Date | null) ?? row.createdAt,
    }));
  },
  prepareTimeZone,
  timeZoneKept,
  dayDurations: selectDayDurations,
};
