import type { Event, Group, Service, ServiceStatus } from '@statuspage/contracts';
import { addDays, type DayUptime, localDate, worstStatusOf } from '@statuspage/core';

// What the public pages derive from the catalogue and the events: pure, unit-tested in test/pages-rules.test.ts.

/** The page's overall state: the worst effective status of the listed services (operational when none). */
export function overallState(services: readonly Pick<Service, 'effective_status'>[]): ServiceStatus {
  return worstStatusOf(services.map((service) => service.effective_status));
}

/** Open events split as the status page shows them: incidents, maintenance under way, maintenance to come. */
export function splitOpenEvents(events: readonly Event[]) {
  return {
    incidents: events.filter((event) => event.type === 'incident'),
    maintenanceInProgress: events.filter((event) => event.type === 'maintenance' && event.status === 'in_progress'),
    upcomingMaintenance: events
      .filter((event) => event.type === 'maintenance' && event.status === 'scheduled')
      .sort((a, b) => (a.scheduled_start_at ?? '').localeCompare(b.scheduled_start_at ?? '')),
  };
}

export interface ServiceSection<S> {
  /** The group, or null for the services in no (listed) group. */
  group: Pick<Group, 'id' | 'name' | 'slug' | 'description'> | null;
  services: S[];
}

/**
 * Groups in their order, each with its services in their order (a service in
 * several groups appears under each), then the services in no group. Empty
 * groups are left out.
 */
export function sectionsOf<S extends Pick<Service, 'id' | 'group_ids' | 'order' | 'name'>>(
  groups: readonly Group[],
  services: readonly S[],
): ServiceSection<S>[] {
  const byOrder = (a: { order: number; name: string }, b: { order: number; name: string }) =>
    a.order - b.order || a.name.localeCompare(b.name);
  const listed = new Map(services.map((service) => [service.id, service]));
  const sections: ServiceSection<S>[] = [];
  const grouped = new Set<string>();
  for (const group of [...groups].sort(byOrder)) {
    const members = group.service_ids.flatMap((id) => {
      const service = listed.get(id);
      return service ? [service] : [];
    });
    if (members.length === 0) continue;
    for (const member of members) grouped.add(member.id);
    sections.push({ group, services: members.sort(byOrder) });
  }
  const rest = services.filter((service) => !grouped.has(service.id)).sort(byOrder);
  if (rest.length > 0) sections.push({ group: null, services: rest });
  return sections;
}

/** The 90 calendar days that end today in the page's time zone, oldest first (first and last). */
export function lastNinetyDays(timeZone: string, now: Date) {
  const to = localDate(now.getTime(), timeZone);
  return { from: addDays(to, -89), to };
}

/** Closed events grouped by the month they closed in (newest first, as given), months in order of first appearance. */
export function byMonth<E extends Pick<Event, 'resolved_at' | 'created_at'>>(
  events: readonly E[],
  monthOf: (iso: string) => string,
) {
  const months: { month: string; events: E[] }[] = [];
  for (const event of events) {
    const month = monthOf(event.resolved_at ?? event.created_at);
    const last = months.at(-1);
    if (last?.month === month) last.events.push(event);
    else months.push({ month, events: [event] });
  }
  return months;
}

/** How long an event lasted: from its start (or creation) to its resolution; null while it is open. */
export function durationOf(event: Pick<Event, 'started_at' | 'resolved_at' | 'created_at'>) {
  if (!event.resolved_at) return null;
  const start = Date.parse(event.started_at ?? event.created_at);
  return Math.max(0, Date.parse(event.resolved_at) - start);
}

/** The `?page=` of a paginated page: a positive integer, 1 when absent, undefined when malformed. */
export function pageNumber(value: unknown): number | undefined {
  if (value === undefined) return 1;
  if (typeof value !== 'string' || !/^[1-9]\d{0,5}$/.test(value)) return undefined;
  return Number(value);
}

let lastRange: { key: string; dates: string[] } | undefined;

/** The calendar days from `from` to `to`, oldest first (remembered: every bar of a page has the same). */
export function datesBetween(from: string, to: string): string[] {
  const key = `${from} ${to}`;
  if (lastRange?.key !== key) {
    const dates: string[] = [];
    for (let date = from; date <= to; date = addDays(date, 1)) dates.push(date);
    lastRange = { key, dates };
  }
  return lastRange.dates;
}

/** Consecutive days that read the same: one element of the bar, with one label for its dates. */
export interface DayRun {
  from: string;
  to: string;
  days: number;
  worst: ServiceStatus | null;
  uptimePercent: number | null;
  eventIds: string[];
}

function sameIds(a: readonly string[], b: readonly string[]) {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/**
 * The days from `range.from` to `range.to` merged into runs of days with the same worst status,
 * the same uptime and the same events; a day missing from `days` has no data. A quiet quarter is
 * one element with one label instead of ninety, which keeps the page small for many services; the
 * bar still draws one cell per day. `days` are in date order (as the uptime module answers).
 */
export function runsOf(range: { from: string; to: string }, days: readonly DayUptime[] = []): DayRun[] {
  const runs: DayRun[] = [];
  let last: DayRun | undefined;
  let next = 0;
  for (const date of datesBetween(range.from, range.to)) {
    // Usually the days line up with the dates one for one; skip those before the range otherwise.
    let day = days[next];
    while (day !== undefined && day.date < date) day = days[++next];
    if (day !== undefined && day.date === date) next += 1;
    else day = undefined;
    const worst = day?.worst ?? null;
    const uptimePercent = day?.uptimePercent ?? null;
    const eventIds = day?.eventIds ?? noIds;
    if (last && last.worst === worst && last.uptimePercent === uptimePercent && sameIds(last.eventIds, eventIds)) {
      last.to = date;
      last.days += 1;
    } else {
      last = { from: date, to: date, days: 1, worst, uptimePercent, eventIds: [...eventIds] };
      runs.push(last);
    }
  }
  return runs;
}

const noIds: readonly string[] = [];
