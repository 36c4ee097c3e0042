import { listedService } from './feeds';
import type { SyndicationDeps } from './ports';
import { type CalendarModel, calendarEventOf, cancelledCalendarEventOf } from './views';

/**
 * The maintenance calendar of the page, or of one service (by slug): every
 * scheduled or in-progress maintenance, and those cancelled in the last 30
 * days (so subscribed calendars remove them).
 */
export async function calendar(deps: SyndicationDeps, serviceSlug?: string): Promise<CalendarModel> {
  const settings = await deps.page();
  const service = serviceSlug === undefined ? undefined : await listedService(deps, serviceSlug);
  const [open, cancelled] = await Promise.all([
    deps.events.timelines({ type: 'maintenance', statuses: ['scheduled', 'in_progress'], serviceId: service?.id }),
    deps.events.cancellations(service?.id),
  ]);
  const context = { baseUrl: deps.baseUrl, timeZone: settings.time_zone };
  return {
    name: service ? `${service.name} — ${settings.name} maintenance` : `${settings.name} maintenance`,
    description: service
      ? `Scheduled maintenance of ${service.name} on ${settings.name}`
      : `Scheduled maintenance on ${settings.name}`,
    url: service ? `${deps.baseUrl}/services/${service.slug}` : deps.baseUrl,
    timeZone: settings.time_zone,
    events: [
      ...open.map((timeline) => calendarEventOf(timeline, context)),
      ...cancelled.map((record) => cancelledCalendarEventOf(record, deps.baseUrl)),
    ],
  };
}
