import type { ServiceStatus } from '@statuspage/contracts';
import {
  type Database,
  rollupStatusOrder,
  serviceStatusDays,
  serviceStatusDayZones,
  serviceStatusLog,
  services,
} from '@statuspage/db';
import { and, asc, desc, eq, gt, gte, inArray, lt, lte, max, min, or, type SQL, sql } from 'drizzle-orm';
import { serviceStatusSeverity } from '../events';
import { qualified } from '../shared/sql';
import { dayGrid, durationsByDay, intervalsOf, localDate, STATUSES_PER_DAY, type StatusDurations } from '../uptime';

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

const DAY_MS = 86_400_000;
const monthOf = (day: string) => `${day.slice(0, 7)}-01`;
const daysInMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
};
/** Whole days from `from` to `day` (dates YYYY-MM-DD). */
const dayOffset = (from: string, day: string) => Math.round((Date.parse(day) - Date.parse(from)) / DAY_MS);
const nextMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
};

/** A month's packed seconds with its days from `fromDay` to `toDay` (null: none) replaced. */
function packMonth(
  month: string,
  kept: readonly number[] | undefined,
  fromDay: string,
  toDay: string | null,
  byDay: ReadonlyMap<string, StatusDurations>,
): number[] {
  const length = daysInMonth(month);
  const seconds = new Array<number>(length * 5).fill(0);
  for (let d = 0; d < length; d++) {
    const day = `${month.slice(0, 8)}${String(d + 1).padStart(2, '0')}`;
    if (day < fromDay) {
      for (let k = 0; k < 5; k++) seconds[d * 5 + k] = kept?.[d * 5 + k] ?? 0;
      continue;
    }
    if (toDay === null || day > toDay) break;
    const durations = byDay.get(day);
    if (!durations) continue;
    rollupStatusOrder.forEach((status, k) => {
      seconds[d * 5 + k] = Math.round((durations[status] ?? 0) / 1000);
    });
  }
  return seconds;
}

/** Recomputes the rollup of the targets in these time zones from their log entries. */
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
    const plans: { serviceId: string; fromDay: string; toDay: string | null; byDay: Map<string, StatusDurations> }[] =
      [];
    for (const target of targets) {
      const changes = entries.get(target.serviceId) ?? [];
      const last = changes[changes.length - 1];
      const since = target.since?.getTime() ?? changes[0]?.at;
      if (since === undefined) continue;
      const fromDay = localDate(since, timeZone);
      let toDay = last ? localDate(last.at, timeZone) : null;
      if (toDay !== null && toDay < fromDay) toDay = null;
      const byDay = new Map<string, StatusDurations>();
      if (toDay !== null) {
        const grid = dayGrid(fromDay, toDay, timeZone);
        for (const [index, durations] of durationsByDay(intervalsOf(changes), grid)) {
          byDay.set(grid.days[index] ?? fromDay, durations);
        }
      }
      plans.push({ serviceId: target.serviceId, fromDay, toDay, byDay });
    }
    // The days before `fromDay` in its month stay as they are.
    const kept = new Map<string, number[]>();
    for (const [month, serviceIds] of groupBy(plans, (plan) => monthOf(plan.fromDay))) {
      const rows = await tx
        .select({ serviceId: serviceStatusDays.serviceId, seconds: serviceStatusDays.seconds })
        .from(serviceStatusDays)
        .where(
          and(
            eq(serviceStatusDays.timeZone, timeZone),
            eq(serviceStatusDays.month, month),
            inArray(serviceStatusDays.serviceId, serviceIds),
          ),
        );
      for (const row of rows) kept.set(row.serviceId, row.seconds);
    }
    const rows: (typeof serviceStatusDays.$inferInsert)[] = [];
    for (const plan of plans) {
      const lastMonth = monthOf(plan.toDay ?? plan.fromDay);
      for (let month = monthOf(plan.fromDay); month <= lastMonth; month = nextMonth(month)) {
        const previous = month === monthOf(plan.fromDay) ? kept.get(plan.serviceId) : undefined;
        rows.push({
          timeZone,
          serviceId: plan.serviceId,
          month,
          seconds: packMonth(month, previous, plan.fromDay, plan.toDay, plan.byDay),
        });
      }
    }
    // Months after the last entry hold nothing (an event's deleted entries may have reached them).
    for (const [lastMonth, serviceIds] of groupBy(plans, (plan) => monthOf(plan.toDay ?? plan.fromDay))) {
      await tx
        .delete(serviceStatusDays)
        .where(
          and(
            eq(serviceStatusDays.timeZone, timeZone),
            gt(serviceStatusDays.month, lastMonth),
            inArray(serviceStatusDays.serviceId, serviceIds),
          ),
        );
    }
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      await tx
        .insert(serviceStatusDays)
        .values(rows.slice(start, start + INSERT_CHUNK))
        .onConflictDoUpdate({
          target: [serviceStatusDays.timeZone, serviceStatusDays.month, serviceStatusDays.serviceId],
          set: { seconds: sql`excluded.seconds` },
        });
    }
  }
}

/** Service ids grouped by a key of their plan. */
function groupBy<T extends { serviceId: string }>(items: readonly T[], key: (item: T) => string) {
  const groups = new Map<string, string[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item.serviceId]);
  return groups;
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

/** Whether the rollup is kept for this time zone. */
export async function timeZoneKept(db: Database, timeZone: string) {
  const kept = await db
    .select({ timeZone: serviceStatusDayZones.timeZone })
    .from(serviceStatusDayZones)
    .where(eq(serviceStatusDayZones.timeZone, timeZone));
  return kept.length > 0;
}

/** Keeps the rollup for this time zone: the first time, builds it from the whole status log. */
export async function prepareTimeZone(db: Database, timeZone: string) {
  if (await timeZoneKept(db, timeZone)) return;
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK})`);
    if (await timeZoneKept(tx, timeZone)) return;
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

// Storage order of each day's seconds → the order of severity the uptime module reads.
const readOrder = rollupStatusOrder.map((status) => serviceStatusSeverity.indexOf(status));

/** A month row of the rollup, decoded: milliseconds per status (order of severity) for each day of the month. */
interface DecodedMonth {
  version: string;
  packed: Float64Array;
}
/**
 * Decoded month rows by time zone, month and service, checked against the row's version (its
 * `xmin`, the transaction that wrote it) on every read: a read after a status change decodes
 * only the rows that change wrote. Rows of any database of the process; keys hold random ids.
 */
const decodedMonths = new Map<string, DecodedMonth>();
const MAX_DECODED_MONTHS = 100_000;
const monthKey = (timeZone: string, month: string, serviceId: string) => `${timeZone}|${month}|${serviceId}`;
const rowVersion = sql<string>`${serviceStatusDays}.xmin::text`;

/**
 * The rollup of services for the local days from `from` to `to` in a time zone kept: per
 * service that has any, packed durations (milliseconds per status and day from `from`, in the
 * order of severity). Run it in a transaction with the rest of the read: its two queries must
 * see one snapshot.
 */
export async function selectDayDurations(
  db: Database,
  query: { timeZone: string; from: string; to: string; serviceIds: readonly string[] },
): Promise<Map<string, Float64Array>> {
  const wanted = new Set(query.serviceIds);
  // Few services: filtered by the index; many (the page): the months of all, filtered here.
  const byId = query.serviceIds.length <= 100 ? inArray(serviceStatusDays.serviceId, [...query.serviceIds]) : undefined;
  const inRange = and(
    eq(serviceStatusDays.timeZone, query.timeZone),
    gte(serviceStatusDays.month, monthOf(query.from)),
    lte(serviceStatusDays.month, monthOf(query.to)),
    byId,
  );
  // Per service, its months and their versions (`month:version,…` in month order), all as one
  // string: a thousand rows cost more to map than one string to split.
  const perService = db
    .select({
      serviceId: serviceStatusDays.serviceId,
      signature:
        sql<string>`string_agg(${serviceStatusDays.month}::text || ':' || ${rowVersion}, ',' order by ${serviceStatusDays.month})`.as(
          'signature',
        ),
    })
    .from(serviceStatusDays)
    .where(inRange)
    .groupBy(serviceStatusDays.serviceId)
    .as('per_service');
  const [listing] = await db
    .select({
      text: sql<string>`coalesce(string_agg(${perService.serviceId}::text || '=' || ${perService.signature}, ';'), '')`,
    })
    .from(perService);
  const rangeKey = `${query.timeZone}|${query.from}|${query.to}`;
  let assembled = assembledRanges.get(rangeKey);
  if (!assembled) {
    if (assembledRanges.size >= MAX_ASSEMBLED_RANGES) assembledRanges.clear();
    assembled = new Map();
    assembledRanges.set(rangeKey, assembled);
  }
  const services: { serviceId: string; signature: string }[] = [];
  // The months of services whose signature changed since the last read of this range.
  const changed: { serviceId: string; month: string; version: string }[] = [];
  for (const entry of listing?.text ? listing.text.split(';') : []) {
    const split = entry.indexOf('=');
    const serviceId = entry.slice(0, split);
    if (!wanted.has(serviceId)) continue;
    const signature = entry.slice(split + 1);
    services.push({ serviceId, signature });
    if (assembled.get(serviceId)?.signature === signature) continue;
    for (const part of signature.split(',')) {
      const colon = part.indexOf(':');
      changed.push({ serviceId, month: part.slice(0, colon), version: part.slice(colon + 1) });
    }
  }
  const stale = changed.filter(
    (row) => decodedMonths.get(monthKey(query.timeZone, row.month, row.serviceId))?.version !== row.version,
  );
  if (stale.length > 0) {
    if (decodedMonths.size + stale.length > MAX_DECODED_MONTHS) decodedMonths.clear();
    const few = stale.length <= 200;
    const rows = await db
      .select({
        serviceId: serviceStatusDays.serviceId,
        month: serviceStatusDays.month,
        version: rowVersion,
        // One string is read faster than an array of numbers.
        seconds: sql<string>`array_to_string(${serviceStatusDays.seconds}, ',')`,
      })
      .from(serviceStatusDays)
      .where(
        few
          ? and(
              eq(serviceStatusDays.timeZone, query.timeZone),
              or(
                ...stale.map((row) =>
                  and(eq(serviceStatusDays.serviceId, row.serviceId), eq(serviceStatusDays.month, row.month)),
                ),
              ),
            )
          : inRange,
      );
    for (const row of rows) {
      if (!wanted.has(row.serviceId)) continue;
      const packed = new Float64Array(daysInMonth(row.month) * STATUSES_PER_DAY);
      unpackMonth(row.seconds, packed);
      decodedMonths.set(monthKey(query.timeZone, row.month, row.serviceId), { version: row.version, packed });
    }
  }
  const days = dayOffset(query.from, query.to) + 1;
  const width = days * STATUSES_PER_DAY;
  // One allocation for every service's range (a thousand small buffers cost the collector more).
  const block = new Float64Array(services.length * width);
  const result = new Map<string, Float64Array>();
  const offsets = new Map<string, number>();
  let slot = 0;
  for (const { serviceId, signature } of services) {
    const packed = block.subarray(slot * width, (slot + 1) * width);
    slot += 1;
    result.set(serviceId, packed);
    // The same months in the same versions as the last read of this range: the same durations
    // (copied: the reader adds the open interval to them).
    const known = assembled.get(serviceId);
    if (known?.signature === signature) {
      packed.set(known.packed);
      continue;
    }
    for (const part of signature.split(',')) {
      const month = part.slice(0, part.indexOf(':'));
      const decoded = decodedMonths.get(monthKey(query.timeZone, month, serviceId));
      if (!decoded) throw new Error(`rollup month ${month} of ${serviceId} was not read`);
      // Day d of the month is day offset + d of the range.
      let offset = offsets.get(month);
      if (offset === undefined) {
        offset = dayOffset(query.from, month);
        offsets.set(month, offset);
      }
      const first = Math.max(0, -offset);
      const last = Math.min(decoded.packed.length / STATUSES_PER_DAY, days - offset);
      if (last > first) {
        packed.set(
          decoded.packed.subarray(first * STATUSES_PER_DAY, last * STATUSES_PER_DAY),
          (offset + first) * STATUSES_PER_DAY,
        );
      }
    }
    assembled.set(serviceId, { signature, packed: packed.slice() });
  }
  return result;
}

/** The last assembled durations of each service, per time zone and range, with its months' versions. */
const assembledRanges = new Map<string, Map<string, { signature: string; packed: Float64Array }>>();
/** Ranges kept (a range a day per time zone read). */
const MAX_ASSEMBLED_RANGES = 16;

/** Decodes a month's packed seconds ("s,s,s,…", storage order) into milliseconds in the order of severity. */
function unpackMonth(text: string, packed: Float64Array) {
  let value = 0;
  let position = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 44;
    if (code !== 44) {
      value = value * 10 + (code - 48);
      continue;
    }
    const day = Math.floor(position / STATUSES_PER_DAY);
    if (value > 0 && day * STATUSES_PER_DAY < packed.length) {
      packed[day * STATUSES_PER_DAY + (readOrder[position % STATUSES_PER_DAY] ?? 0)] = value * 1000;
    }
    value = 0;
    position++;
  }
}
