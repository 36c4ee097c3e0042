import type { Event, Group, Service, ServiceStatus } from '@statuspage/contracts';
import type { DayUptime } from '@statuspage/core';

// What the public pages derive from the catalogue and the events: pure, unit-tested in test/pages-rules.test.ts.

const severityOrder: ServiceStatus[] = ['major_outage', 'partial_outage', 'degraded', 'maintenance', 'operational'];

/** The page's overall state: the worst effective status of the listed services (operational when none). */
export function overallState(services: readonly Pick<Service, 'effective_status'>[]): ServiceStatus {
  const present = new Set(services.map((service) => service.effective_status));
  return severityOrder.find((status) => present.has(status)) ?? 'operational';
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

/** The calendar day `offset` days after a YYYY-MM-DD day. */
export function addDays(date: string, offset: number) {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + offset)).toISOString().slice(0, 10);
}

/** Today's calendar day in a time zone, as YYYY-MM-DD. */
export function todayIn(timeZone: string, now: Date) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** The 90 calendar days that end today in the page's time zone, oldest first (first and last). */
export function lastNinetyDays(timeZone: string, now: Date) {
  const to = todayIn(timeZone, now);
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

/** Every day from `from` to `to`, oldest first: the given day where there is one, else a day without data. */
export function fillDays(range: { from: string; to: string }, days: readonly DayUptime[] = []): DayUptime[] {
  const byDate = new Map(days.map((day) => [day.date, day]));
  const filled: DayUptime[] = [];
  for (let date = range.from; date <= range.to; date = addDays(date, 1)) {
    filled.push(byDate.get(date) ?? { date, worst: null, uptimePercent: null, minutes: {}, eventIds: [] });
  }
  return filled;
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

/**
 * The days of a bar merged into runs of days with the same worst status, the same uptime and the
 * same events: a quiet quarter is one element with one label instead of ninety, which keeps the
 * page small for many services; the bar still draws one cell per day.
 */
export function runsOf(days: readonly DayUptime[]): DayRun[] {
  const runs: DayRun[] = [];
  for (const day of days) {
    const last = runs.at(-1);
    if (
      last &&
      last.worst === day.worst &&
      last.uptimePercent === day.uptimePercent &&
      last.eventIds.join() === day.eventIds.join() &&
      addDays(last.to, 1) === day.date
    ) {
      last.to = day.date;
      last.days += 1;
    } else {
      runs.push({
        from: day.date,
        to: day.date,
        days: 1,
        worst: day.worst,
        uptimePercent: day.uptimePercent,
        eventIds: day.eventIds,
      });
    }
  }
  return runs;
}
