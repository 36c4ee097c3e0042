import type { ServiceStatus } from '@statuspage/contracts';
import { serviceStatusSeverity, severityOf } from '../events';

// The pure rules of uptime: local days of a time zone as instants, intervals of a status cut into
// days, and the uptime formula. No I/O; the catalog's rollup and the read use-cases both use them.

/** Milliseconds spent in each status (absent = none). */
export type StatusDurations = Partial<Record<ServiceStatus, number>>;

/** A span of time [start, end) in which a service showed one status (epoch milliseconds). */
export interface StatusInterval {
  status: ServiceStatus;
  start: number;
  end: number;
}

const DAY_MS = 86_400_000;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The share of a status that counts as down, the convention status pages publish (Atlassian
 * Statuspage): a major outage is down, a partial outage 30 % down, degraded performance and
 * operational are up. Maintenance is left out of the denominator.
 */
export const downtimeWeight: Readonly<Record<ServiceStatus, number>> = {
  operational: 0,
  degraded: 0,
  partial_outage: 0.3,
  major_outage: 1,
  maintenance: 0,
};

/** Whether a calendar date `YYYY-MM-DD` exists. */
export function isCalendarDate(day: string): boolean {
  const match = datePattern.exec(day);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

/** The date `days` after (or before, when negative) a calendar date. */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Whether the name is an IANA time zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time at an instant in a time zone, read as if it were UTC (epoch milliseconds). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const seconds = Math.floor(instant / 1000) * 1000;
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall + (instant - seconds);
}

/** The calendar date at an instant in a time zone. */
export function localDate(instant: number, timeZone: string): string {
  return new Date(wallClock(instant, timeZone)).toISOString().slice(0, 10);
}

/**
 * The instant a local day begins: its midnight, or — where a DST change skips midnight — the
 * first instant that has this date. Time zones change their offset by at most a few hours, so the
 * start is midnight read with the offset of a few hours before or after.
 */
export function dayStart(day: string, timeZone: string): number {
  const key = `${timeZone} ${day}`;
  let start = dayStarts.get(key);
  if (start === undefined) {
    start = findDayStart(day, timeZone);
    if (dayStarts.size >= 100_000) dayStarts.clear();
    dayStarts.set(key, start);
  }
  return start;
}

/** Day starts found so far (Intl’s time-zone rules are fixed for the life of the process). */
const dayStarts = new Map<string, number>();

function findDayStart(day: string, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const midnight = Date.UTC(y, m - 1, d);
  const candidates = [midnight - 14 * 3_600_000, midnight + 14 * 3_600_000, midnight].map(
    (probe) => midnight - (wallClock(probe, timeZone) - probe),
  );
  const inDay = candidates.filter((instant) => localDate(instant, timeZone) === day);
  if (inDay.length === 0) throw new Error(`no start found for ${day} in ${timeZone}`);
  return Math.min(...inDay);
}

/** The local days from `from` to `to` and the instants they begin, with the end of the last one. */
export interface DayGrid {
  days: string[];
  /** `starts[i]` begins `days[i]`; `starts[days.length]` is the end of the last day. */
  starts: number[];
}

/** The grid of local days from `from` to `to` (both included) in a time zone. */
export function dayGrid(from: string, to: string, timeZone: string): DayGrid {
  const days = daysBetween(from, to);
  const starts = [...days, addDays(to, 1)].map((day) => dayStart(day, timeZone));
  return { days, starts };
}

/** The index of the day of the grid that holds the instant (-1 before the grid, days.length after). */
function dayIndex(grid: DayGrid, instant: number): number {
  let low = 0;
  let high = grid.starts.length - 1;
  if (instant < (grid.starts[0] ?? 0)) return -1;
  if (instant >= (grid.starts[high] ?? 0)) return grid.days.length;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if ((grid.starts[mid] ?? 0) <= instant) low = mid;
    else high = mid;
  }
  return low;
}

/**
 * Intervals cut at the day boundaries of the grid: per day (by index) the milliseconds in each
 * status. Parts outside the grid are dropped; days no interval touches are absent.
 */
export function durationsByDay(intervals: readonly StatusInterval[], grid: DayGrid): Map<number, StatusDurations> {
  const byDay = new Map<number, StatusDurations>();
  for (const interval of intervals) {
    if (interval.end <= interval.start) continue;
    for (let index = Math.max(0, dayIndex(grid, interval.start)); index < grid.days.length; index++) {
      const from = Math.max(interval.start, grid.starts[index] ?? 0);
      const to = Math.min(interval.end, grid.starts[index + 1] ?? 0);
      if (to <= from) {
        if ((grid.starts[index] ?? 0) >= interval.end) break;
        continue;
      }
      const durations = byDay.get(index) ?? {};
      durations[interval.status] = (durations[interval.status] ?? 0) + (to - from);
      byDay.set(index, durations);
    }
  }
  return byDay;
}

/**
 * The intervals a series of status changes makes: each status lasts from its change to the next
 * one; the last lasts until `until` (omit it to leave the last change open, as the rollup does).
 */
export function intervalsOf(
  changes: readonly { at: number; status: ServiceStatus }[],
  until?: number,
): StatusInterval[] {
  const intervals: StatusInterval[] = [];
  changes.forEach((change, index) => {
    const end = changes[index + 1]?.at ?? until;
    if (end !== undefined && end > change.at) intervals.push({ status: change.status, start: change.at, end });
  });
  return intervals;
}

/** The sum of several durations. */
export function addDurations(...all: readonly StatusDurations[]): StatusDurations {
  const sum: StatusDurations = {};
  for (const durations of all) {
    for (const status of serviceStatusSeverity) {
      const value = durations[status];
      if (value) sum[status] = (sum[status] ?? 0) + value;
    }
  }
  return sum;
}

/**
 * Uptime in percent: 100 × (1 − down / counted), where down weighs each status by
 * `downtimeWeight` and counted is all observed time except maintenance. Null when nothing counts
 * (no data, or maintenance only).
 */
export function uptimePercent(durations: StatusDurations): number | null {
  let counted = 0;
  let down = 0;
  for (const status of serviceStatusSeverity) {
    const value = durations[status] ?? 0;
    if (status === 'maintenance') continue;
    counted += value;
    down += value * downtimeWeight[status];
  }
  if (counted <= 0) return null;
  return 100 * (1 - down / counted);
}

/** The most severe status with any time in it, or null for no data. */
export function worstStatus(durations: StatusDurations): ServiceStatus | null {
  let worst: ServiceStatus | null = null;
  for (const status of serviceStatusSeverity) {
    if ((durations[status] ?? 0) > 0 && (worst === null || severityOf(status) > severityOf(worst))) worst = status;
  }
  return worst;
}

/** Durations in whole minutes (rounded), leaving out statuses with none. */
export function toMinutes(durations: StatusDurations): StatusDurations {
  const minutes: StatusDurations = {};
  for (const status of serviceStatusSeverity) {
    const value = durations[status];
    if (value) minutes[status] = Math.round(value / 60_000);
  }
  return minutes;
}

/** The `count` calendar months ending with `last` (YYYY-MM), oldest first. */
export function monthsEndingWith(last: string, count: number): string[] {
  const [year, month] = last.split('-').map(Number) as [number, number];
  const months: string[] = [];
  for (let back = count - 1; back >= 0; back--) {
    const index = year * 12 + (month - 1) - back;
    months.push(`${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`);
  }
  return months;
}

// The reads work on packed durations: per day, five numbers (milliseconds) in the order of
// `serviceStatusSeverity`, day after day, in one Float64Array — 90 days of 1,000 services
// without 90,000 intermediate objects.

/** The number of statuses per day in packed durations. */
export const STATUSES_PER_DAY = serviceStatusSeverity.length;

/** Adds an interval of one status to packed durations over the days of the grid (parts outside are dropped). */
export function addIntervalPacked(packed: Float64Array, grid: DayGrid, interval: StatusInterval) {
  const k = severityOf(interval.status);
  for (let index = Math.max(0, dayIndex(grid, interval.start)); index < grid.days.length; index++) {
    const dayBegins = grid.starts[index] ?? 0;
    if (dayBegins >= interval.end) break;
    const from = Math.max(interval.start, dayBegins);
    const to = Math.min(interval.end, grid.starts[index + 1] ?? 0);
    if (to > from) packed[index * STATUSES_PER_DAY + k] = (packed[index * STATUSES_PER_DAY + k] ?? 0) + (to - from);
  }
}

/** The durations of one day of packed durations. */
export function unpackDay(packed: Float64Array, index: number): StatusDurations {
  const durations: StatusDurations = {};
  serviceStatusSeverity.forEach((status, k) => {
    const value = packed[index * STATUSES_PER_DAY + k] ?? 0;
    if (value > 0) durations[status] = value;
  });
  return durations;
}

/**
 * A day of packed durations as the reads answer it: its worst status, uptime and whole minutes
 * (the rules of `worstStatus`, `uptimePercent` and `toMinutes`), built in one pass.
 */
export function summarizeDay(
  packed: Float64Array,
  index: number,
  date: string,
  eventIds: string[],
): {
  date: string;
  worst: ServiceStatus | null;
  uptimePercent: number | null;
  minutes: StatusDurations;
  eventIds: string[];
} {
  let worst: ServiceStatus | null = null;
  let counted = 0;
  let down = 0;
  const minutes: StatusDurations = {};
  const base = index * STATUSES_PER_DAY;
  for (let k = 0; k < STATUSES_PER_DAY; k++) {
    const value = packed[base + k] ?? 0;
    if (value <= 0) continue;
    const status = serviceStatusSeverity[k] as ServiceStatus;
    worst = status;
    minutes[status] = Math.round(value / 60_000);
    if (status !== 'maintenance') {
      counted += value;
      down += value * downtimeWeight[status];
    }
  }
  return { date, worst, uptimePercent: counted > 0 ? 100 * (1 - down / counted) : null, minutes, eventIds };
}

/** The sum of the days of packed durations from `from` to `to` (indexes, `to` excluded). */
export function sumPacked(packed: Float64Array, from = 0, to = packed.length / STATUSES_PER_DAY): StatusDurations {
  const sum: StatusDurations = {};
  for (let k = 0; k < STATUSES_PER_DAY; k++) {
    let value = 0;
    for (let index = from; index < to; index++) value += packed[index * STATUSES_PER_DAY + k] ?? 0;
    if (value > 0) sum[serviceStatusSeverity[k] as ServiceStatus] = value;
  }
  return sum;
}
