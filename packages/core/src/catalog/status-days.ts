import type { ServiceStatus } from '@statuspage/contracts';
import { type Database, serviceStatusDays, serviceStatusDayZones, serviceStatusLog, services } from '@statuspage/db';
import { and, asc, desc, eq, gte, inArray, lt, lte, max, min, or, type SQL, sql } from 'drizzle-orm';
import { qualified } from '../shared/sql';
import { dayGrid, durationsByDay, intervalsOf, localDate, type StatusDurations } from '../uptime';

// The status log's per-day rollup (`service_status_days`): per time zone kept, service and local
// day, the milliseconds of each effective status between one log entry and the next. Every write
// of the log refreshes it in the same transaction; the interval since a service's latest entry is
// open and added by the reader. A time zone read for the first time is built from the whole log.

/** How many time zones are kept (the page's and the ones it had most recently). */
const KEPT_TIME_ZONES = 4;
// Writers of the rollup share this advisory lock; building a new time zone takes it alone, so the
// build sees every committed entry and no writer misses the new zone.
const LOCK = sql.raw('7305511346');
/** Entries read before a change: a local day of any zone begins less than this before any instant in it. */
const DAY_REACH_MS = 27 * 3_600_000;
const INSERT_CHUNK = 1000;
const BUILD_CHUNK = 200;

/** A service whose rollup changes from `since` on (its days from the local day of `since`). */
export interface RollupTarget {
  serviceId: string;
  /** Null: from its first entry (a new time zone). */
  since: Date | null;
}

/**
 * The log entries of services in order: for each, from its latest entry at or before `from` on
 * (all of them when `from` is null). One index lookup per service, then one read.
 */
async function entriesFrom(tx: Database, serviceIds: readonly string[], from: Date | null) {
  const ids = [...new Set(serviceIds)];
  let where = inArray(serviceStatusLog.serviceId, ids);
  if (from) {
    const latestBefore = sql`(select max(l.created_at) from ${serviceStatusLog} l where l.service_id = ${qualified(services.id)} and l.created_at <= ${from.toISOString()}::timestamptz)`;
    const bounds = await tx
      .select({ serviceId: services.id, at: latestBefore.mapWith(serviceStatusLog.createdAt) })
      .from(services)
      .where(inArray(services.id, ids));
    where = or(
      ...bounds.map((bound) =>
        bound.at
          ? and(eq(serviceStatusLog.serviceId, bound.serviceId), gte(serviceStatusLog.createdAt, bound.at))
          : eq(serviceStatusLog.serviceId, bound.serviceId),
      ),
    ) as SQL;
  }
  const rows = await tx
    .select({
      serviceId: serviceStatusLog.serviceId,
      status: serviceStatusLog.effectiveStatus,
      at: serviceStatusLog.createdAt,
    })
    .from(serviceStatusLog)
    .where(where)
    .orderBy(serviceStatusLog.serviceId, asc(serviceStatusLog.createdAt), asc(serviceStatusLog.id));
  const byService = new Map<string, { at: number; status: ServiceStatus }[]>();
  for (const row of rows) {
    const list = byService.get(row.serviceId) ?? [];
    list.push({ at: row.at.getTime(), status: row.status });
    byService.set(row.serviceId, list);
  }
  return byService;
}

/** Recomputes the rollup days of the targets in these time zones from their log entries. */
async function recompute(tx: Database, timeZones: readonly string[], targets: readonly RollupTarget[]) {
  if (timeZones.length === 0 || targets.length === 0) return;
  const sinces = targets.map((target) => target.since?.getTime() ?? null);
  const from = sinces.includes(null) ? null : new Date(Math.min(...(sinces as number[])) - DAY_REACH_MS);
  const entries = await entriesFrom(
    tx,
    targets.map((target) => target.serviceId),
    from,
  );
  for (const timeZone of timeZones) {
    const rows: (typeof serviceStatusDays.$inferInsert)[] = [];
    const clearFrom = new Map<string, string[]>();
    for (const target of targets) {
      const changes = entries.get(target.serviceId) ?? [];
      const first = changes[0];
      const last = changes[changes.length - 1];
      const since = target.since?.getTime() ?? first?.at;
      if (since === undefined) continue;
      const fromDay = localDate(since, timeZone);
      clearFrom.set(fromDay, [...(clearFrom.get(fromDay) ?? []), target.serviceId]);
      if (!last) continue;
      const toDay = localDate(last.at, timeZone);
      if (toDay < fromDay) continue;
      const grid = dayGrid(fromDay, toDay, timeZone);
      for (const [index, durations] of durationsByDay(intervalsOf(changes), grid)) {
        rows.push({ timeZone, serviceId: target.serviceId, day: grid.days[index] ?? fromDay, ...toColumns(durations) });
      }
    }
    for (const [fromDay, serviceIds] of clearFrom) {
      await tx
        .delete(serviceStatusDays)
        .where(
          and(
            eq(serviceStatusDays.timeZone, timeZone),
            gte(serviceStatusDays.day, fromDay),
            inArray(serviceStatusDays.serviceId, serviceIds),
          ),
        );
    }
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      await tx.insert(serviceStatusDays).values(rows.slice(start, start + INSERT_CHUNK));
    }
  }
}

function toColumns(durations: StatusDurations) {
  const ms = (status: ServiceStatus) => Math.round(durations[status] ?? 0);
  return {
    operationalMs: ms('operational'),
    maintenanceMs: ms('maintenance'),
    degradedMs: ms('degraded'),
    partialOutageMs: ms('partial_outage'),
    majorOutageMs: ms('major_outage'),
  };
}

/** Refreshes the rollup of every kept time zone for targets whose entries changed from `since` on. */
export async function refreshStatusDays(tx: Database, targets: readonly RollupTarget[]) {
  if (targets.length === 0) return;
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${LOCK})`);
  const zones = await tx.select({ timeZone: serviceStatusDayZones.timeZone }).from(serviceStatusDayZones);
  await recompute(
    tx,
    zones.map((zone) => zone.timeZone),
    targets,
  );
}

/**
 * After new entries at `at` for these services: the interval each service's previous entry
 * began is now closed, so its days are refreshed from that entry on.
 */
export async function refreshAfterEntries(tx: Database, serviceIds: readonly string[], at: Date) {
  if (serviceIds.length === 0) return;
  const previous = await tx
    .select({ serviceId: serviceStatusLog.serviceId, at: max(serviceStatusLog.createdAt) })
    .from(serviceStatusLog)
    .where(and(inArray(serviceStatusLog.serviceId, [...serviceIds]), lt(serviceStatusLog.createdAt, at)))
    .groupBy(serviceStatusLog.serviceId);
  const since = new Map(previous.map((row) => [row.serviceId, row.at]));
  await refreshStatusDays(
    tx,
    [...new Set(serviceIds)].map((serviceId) => ({ serviceId, since: since.get(serviceId) ?? at })),
  );
}

/** Deletes the status-log entries an event caused and refreshes the rollup from the first of them. */
export async function deleteEventEntries(tx: Database, eventId: string) {
  const removed = await tx
    .select({ serviceId: serviceStatusLog.serviceId, since: min(serviceStatusLog.createdAt) })
    .from(serviceStatusLog)
    .where(eq(serviceStatusLog.eventId, eventId))
    .groupBy(serviceStatusLog.serviceId);
  if (removed.length === 0) return;
  await tx.delete(serviceStatusLog).where(eq(serviceStatusLog.eventId, eventId));
  await refreshStatusDays(
    tx,
    removed.map((row) => ({ serviceId: row.serviceId, since: row.since })),
  );
}

/** Keeps the rollup for this time zone: the first time, builds it from the whole status log. */
export async function prepareTimeZone(db: Database, timeZone: string) {
  const kept = await db
    .select({ timeZone: serviceStatusDayZones.timeZone })
    .from(serviceStatusDayZones)
    .where(eq(serviceStatusDayZones.timeZone, timeZone));
  if (kept.length > 0) return;
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK})`);
    const again = await tx
      .select({ timeZone: serviceStatusDayZones.timeZone })
      .from(serviceStatusDayZones)
      .where(eq(serviceStatusDayZones.timeZone, timeZone));
    if (again.length > 0) return;
    await tx.insert(serviceStatusDayZones).values({ timeZone });
    const stale = await tx
      .select({ timeZone: serviceStatusDayZones.timeZone })
      .from(serviceStatusDayZones)
      .orderBy(desc(serviceStatusDayZones.builtAt), asc(serviceStatusDayZones.timeZone))
      .offset(KEPT_TIME_ZONES);
    const dropped = stale.map((zone) => zone.timeZone).filter((zone) => zone !== timeZone);
    if (dropped.length > 0) {
      await tx.delete(serviceStatusDays).where(inArray(serviceStatusDays.timeZone, dropped));
      await tx.delete(serviceStatusDayZones).where(inArray(serviceStatusDayZones.timeZone, dropped));
    }
    await tx.delete(serviceStatusDays).where(eq(serviceStatusDays.timeZone, timeZone));
    const all = await tx.select({ id: services.id }).from(services).orderBy(asc(services.id));
    for (let start = 0; start < all.length; start += BUILD_CHUNK) {
      const chunk = all.slice(start, start + BUILD_CHUNK).map((service) => ({ serviceId: service.id, since: null }));
      await recompute(tx, [timeZone], chunk);
    }
  });
}

/** Rollup rows of services for local days from `from` to `to` in a time zone kept. */
export async function selectDayDurations(
  db: Database,
  query: { timeZone: string; from: string; to: string; serviceIds: readonly string[] },
) {
  const rows = await db
    .select({
      serviceId: serviceStatusDays.serviceId,
      day: serviceStatusDays.day,
      operational: serviceStatusDays.operationalMs,
      maintenance: serviceStatusDays.maintenanceMs,
      degraded: serviceStatusDays.degradedMs,
      partialOutage: serviceStatusDays.partialOutageMs,
      majorOutage: serviceStatusDays.majorOutageMs,
    })
    .from(serviceStatusDays)
    .where(
      and(
        eq(serviceStatusDays.timeZone, query.timeZone),
        gte(serviceStatusDays.day, query.from),
        lte(serviceStatusDays.day, query.to),
        inArray(serviceStatusDays.serviceId, [...query.serviceIds]),
      ),
    );
  return rows.map((row) => ({
    serviceId: row.serviceId,
    day: row.day,
    durations: nonZero({
      operational: row.operational,
      maintenance: row.maintenance,
      degraded: row.degraded,
      partial_outage: row.partialOutage,
      major_outage: row.majorOutage,
    }),
  }));
}

function nonZero(durations: Record<ServiceStatus, number>): StatusDurations {
  const result: StatusDurations = {};
  for (const [status, value] of Object.entries(durations) as [ServiceStatus, number][]) {
    if (value > 0) result[status] = value;
  }
  return result;
}
