import { UptimeErrors } from './errors';
import type { UptimeDeps } from './ports';
import {
  addDays,
  addIntervalPacked,
  type DayGrid,
  dayGrid,
  durationsByDay,
  isCalendarDate,
  isTimeZone,
  localDate,
  monthsEndingWith,
  STATUSES_PER_DAY,
  summarizeDay,
  sumPacked,
  uptimePercent,
} from './rules';
import type { DayUptime, MonthUptime, ServiceDays } from './views';

/** The longest range one read may ask for (two years and a day). */
export const MAX_DAYS = 732;
/** The most months one read may ask for. */
export const MAX_MONTHS = 24;

export interface DaysQuery {
  from: string;
  to: string;
  timeZone: string;
  /** These services (archived ones included); all services that are not archived when omitted. */
  serviceIds?: readonly string[] | undefined;
}

function assertQuery(query: DaysQuery) {
  if (!isTimeZone(query.timeZone)) throw UptimeErrors.invalid('timeZone', `unknown time zone: ${query.timeZone}`);
  if (!isCalendarDate(query.from)) throw UptimeErrors.invalid('from', 'from must be a date YYYY-MM-DD');
  if (!isCalendarDate(query.to)) throw UptimeErrors.invalid('to', 'to must be a date YYYY-MM-DD');
  if (query.to < query.from) throw UptimeErrors.invalid('to', 'to must not be before from');
  if (addDays(query.from, MAX_DAYS) <= query.to) {
    throw UptimeErrors.invalid('to', `at most ${MAX_DAYS} days at once`);
  }
  const notIds = query.serviceIds?.filter((id) => !uuidPattern.test(id)) ?? [];
  if (notIds.length > 0) throw UptimeErrors.invalid('serviceIds', `not service ids: ${notIds.join(', ')}`);
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Per service of the query: its packed durations per day of the grid, and the events of each day. */
interface ServiceDurations {
  serviceId: string;
  packed: Float64Array;
  events: Map<number, string[]> | undefined;
}

/**
 * The database to read a time zone's rollup from, with the zone kept: `db`; or, when `db` is a
 * read replica that does not have the zone yet, the primary, which builds it (a write).
 */
async function databaseWithZone(deps: UptimeDeps, timeZone: string) {
  if (!deps.primary) {
    await deps.catalog.prepareTimeZone(deps.db, timeZone);
    return deps.db;
  }
  if (await deps.catalog.timeZoneKept(deps.db, timeZone)) return deps.db;
  await deps.catalog.prepareTimeZone(deps.primary, timeZone);
  return deps.primary;
}

/**
 * Reads, in one snapshot, the catalog's per-day rollup and the status each service has shown
 * since its latest change (not in the rollup yet: it lasts until now), and adds them up per day.
 */
async function readDurations(
  deps: UptimeDeps,
  query: DaysQuery,
): Promise<{ grid: DayGrid; services: ServiceDurations[] }> {
  assertQuery(query);
  const { timeZone } = query;
  const grid = dayGrid(query.from, query.to, timeZone);
  const now = deps.clock().getTime();
  const db = await databaseWithZone(deps, timeZone);
  const { services, stored, spans } = await db.transaction(
    async (tx) => {
      const services = await deps.catalog.services(tx, query.serviceIds);
      const serviceIds = services.map((service) => service.id);
      if (serviceIds.length === 0) return { services, stored: new Map<string, Float64Array>(), spans: [] };
      const stored = await deps.catalog.dayDurations(tx, { timeZone, from: query.from, to: query.to, serviceIds });
      const start = new Date(grid.starts[0] ?? now);
      const end = new Date(Math.min(grid.starts[grid.days.length] ?? now, now));
      // Every service's events when the read is of every service (the page): no list of ids to send.
      const spans = end > start ? await deps.events.spans(tx, query.serviceIds && serviceIds, start, end) : [];
      return { services, stored, spans };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  const eventsByService = eventDays(spans, grid, now);
  return {
    grid,
    services: services.map((service) => {
      const packed = stored.get(service.id) ?? new Float64Array(grid.days.length * STATUSES_PER_DAY);
      addIntervalPacked(packed, grid, { status: service.status, start: service.since.getTime(), end: now });
      return { serviceId: service.id, packed, events: eventsByService.get(service.id) };
    }),
  };
}

/**
 * Per service and local day of the time zone: minutes in each status, the worst status, uptime
 * and the events of the day, with the uptime of the whole range.
 */
export async function uptimeDays(deps: UptimeDeps, query: DaysQuery, memo?: DayMemo): Promise<ServiceDays[]> {
  const { grid, services } = await readDurations(deps, query);
  return services.map((service) => {
    const read: MemoEntry = { dates: grid.days, packed: service.packed, events: service.events, days: [] };
    const before = memo?.get(service.serviceId);
    // Where the earlier read's days line up with this one's (the range moves on at midnight).
    const shift = before ? before.dates.indexOf(grid.days[0] ?? '') : -1;
    // Without events on either side, the leading days whose durations are the same are taken as a
    // whole (after a write: every day but today); the rest is compared day by day.
    let from = 0;
    if (before && shift >= 0 && !before.events && !read.events) {
      from = sameLeadingDays(before.packed, shift * STATUSES_PER_DAY, service.packed, before.days.length - shift);
    }
    const days = from > 0 && before ? before.days.slice(shift, shift + from) : [];
    for (let index = from; index < grid.days.length; index++) {
      const known = before && shift >= 0 ? before.days[index + shift] : undefined;
      days.push(
        known && before && sameInputs(before, index + shift, read, index)
          ? known
          : frozenDay(
              summarizeDay(service.packed, index, grid.days[index] as string, [...(service.events?.get(index) ?? [])]),
            ),
      );
    }
    read.days = days;
    memo?.set(service.serviceId, read);
    return {
      serviceId: service.serviceId,
      days: read.days,
      uptimePercent: uptimePercent(sumPacked(service.packed)),
      eventIds: service.events ? [...new Set([...service.events.values()].flat())] : [],
    };
  });
}

/** A day as answered: frozen, since the memo hands the same object to later reads. */
function frozenDay(day: DayUptime): DayUptime {
  Object.freeze(day.minutes);
  Object.freeze(day.eventIds);
  return Object.freeze(day);
}

/** One service's last read: its dates, the durations and events it was summarised from, and the days. */
interface MemoEntry {
  dates: readonly string[];
  packed: Float64Array;
  events: ReadonlyMap<number, readonly string[]> | undefined;
  days: DayUptime[];
}

/** Whether day `i` of read `a` and day `j` of read `b` have the same durations and events. */
function sameInputs(a: MemoEntry, i: number, b: MemoEntry, j: number) {
  const x = a.packed;
  const y = b.packed;
  const p = i * STATUSES_PER_DAY;
  const q = j * STATUSES_PER_DAY;
  if (x[p] !== y[q] || x[p + 1] !== y[q + 1] || x[p + 2] !== y[q + 2] || x[p + 3] !== y[q + 3]) return false;
  if (x[p + 4] !== y[q + 4]) return false;
  if (a.events === undefined && b.events === undefined) return true;
  const e = a.events?.get(i) ?? noEvents;
  const f = b.events?.get(j) ?? noEvents;
  if (e.length !== f.length) return false;
  for (let n = 0; n < e.length; n++) if (e[n] !== f[n]) return false;
  return true;
}

const noEvents: readonly string[] = [];

/** How many whole days from the start of `b` equal those of `a` from `offset` on (at most `limit`). */
function sameLeadingDays(a: Float64Array, offset: number, b: Float64Array, limit: number): number {
  const end = Math.min(limit * STATUSES_PER_DAY, b.length, a.length - offset);
  let k = 0;
  while (k < end && a[offset + k] === b[k]) k++;
  return Math.floor(k / STATUSES_PER_DAY);
}

/**
 * Each service's last read. The next read summarises again only the days whose durations or
 * events differ (after a status change: today alone) and hands back the earlier frozen objects
 * for the others. A day's summary depends on its date, durations and events only, and they are
 * what is compared: the memo is never stale, whoever wrote.
 */
export interface DayMemo {
  get(serviceId: string): MemoEntry | undefined;
  set(serviceId: string, entry: MemoEntry): void;
}

/** A memo for up to `maxServices` services (then it starts again empty). */
export function createDayMemo(maxServices = 5000): DayMemo {
  const entries = new Map<string, MemoEntry>();
  return {
    get: (serviceId) => entries.get(serviceId),
    set(serviceId, entry) {
      if (!entries.has(serviceId) && entries.size >= maxServices) entries.clear();
      entries.set(serviceId, entry);
    },
  };
}

/** Per service and day index, the ids of the events that overlap the day, in order of start. */
function eventDays(
  spans: readonly { eventId: string; serviceId: string; startedAt: Date; endedAt: Date | null }[],
  grid: DayGrid,
  now: number,
): Map<string, Map<number, string[]>> {
  const result = new Map<string, Map<number, string[]>>();
  const ordered = [...spans].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  for (const span of ordered) {
    const start = span.startedAt.getTime();
    // An event that began and ended at once (a past record) still belongs to its day.
    const end = Math.max(span.endedAt?.getTime() ?? now, start + 1);
    const touched = durationsByDay([{ status: 'operational', start, end }], grid);
    let byDay = result.get(span.serviceId);
    if (!byDay) {
      byDay = new Map();
      result.set(span.serviceId, byDay);
    }
    for (const index of touched.keys()) {
      const ids = byDay.get(index) ?? [];
      if (!ids.includes(span.eventId)) ids.push(span.eventId);
      byDay.set(index, ids);
    }
  }
  return result;
}

export interface MonthsQuery {
  serviceId: string;
  /** How many months, the current one included. */
  months: number;
  timeZone: string;
}

/** Uptime of one service per local calendar month, oldest first, the current month last. */
export async function uptimeMonths(deps: UptimeDeps, query: MonthsQuery): Promise<MonthUptime[]> {
  if (!Number.isInteger(query.months) || query.months < 1 || query.months > MAX_MONTHS) {
    throw UptimeErrors.invalid('months', `months must be a whole number from 1 to ${MAX_MONTHS}`);
  }
  if (!isTimeZone(query.timeZone)) throw UptimeErrors.invalid('timeZone', `unknown time zone: ${query.timeZone}`);
  const today = localDate(deps.clock().getTime(), query.timeZone);
  const months = monthsEndingWith(today.slice(0, 7), query.months);
  const { grid, services } = await readDurations(deps, {
    from: `${months[0] ?? today.slice(0, 7)}-01`,
    to: today,
    timeZone: query.timeZone,
    serviceIds: [query.serviceId],
  });
  const [service] = services;
  return months.map((month) => {
    const first = grid.days.findIndex((date) => date.startsWith(month));
    let last = first;
    while (last >= 0 && grid.days[last]?.startsWith(month)) last++;
    const durations = service && first >= 0 ? sumPacked(service.packed, first, last) : {};
    return { month, uptimePercent: uptimePercent(durations) };
  });
}
