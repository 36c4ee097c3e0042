import type { EventStatus, EventType, ServiceStatus, Severity } from '@statuspage/contracts';

/**
 * Every visible string of the public pages in English; the shape every other
 * language's catalogue must have (`Messages`). Counts go through the plural
 * category of the language (Intl.PluralRules) chosen by the caller.
 */
export const en = {
  /** BCP 47 tag used for `<html lang>` and every Intl formatter. */
  locale: 'en',
  languageName: 'English',
  skipToContent: 'Skip to content',
  pageNavigation: 'Pages',
  languageNavigation: 'Language',
  navStatus: 'Status',
  navHistory: 'History',
  navSubscribe: 'Subscribe to updates',
  feeds: 'Feeds',
  overall: {
    operational: 'All systems operational',
    degraded: 'Degraded performance',
    partial_outage: 'Partial outage',
    major_outage: 'Major outage',
    maintenance: 'Under maintenance',
  } satisfies Record<ServiceStatus, string>,
  serviceStatus: {
    operational: 'Operational',
    degraded: 'Degraded performance',
    partial_outage: 'Partial outage',
    major_outage: 'Major outage',
    maintenance: 'Under maintenance',
  } satisfies Record<ServiceStatus, string>,
  noData: 'No data',
  eventStatus: {
    investigating: 'Investigating',
    identified: 'Identified',
    monitoring: 'Monitoring',
    resolved: 'Resolved',
    scheduled: 'Scheduled',
    in_progress: 'In progress',
    completed: 'Completed',
  } satisfies Record<EventStatus, string>,
  eventType: { incident: 'Incident', maintenance: 'Maintenance' } satisfies Record<EventType, string>,
  severity: { minor: 'Minor', major: 'Major', critical: 'Critical' } satisfies Record<Severity, string>,
  severityLabel: 'Severity',
  statusLabel: 'Status',
  typeLabel: 'Type',
  activeIncidents: 'Active incidents',
  maintenanceInProgress: 'Maintenance in progress',
  upcomingMaintenance: 'Upcoming maintenance',
  services: 'Services',
  otherServices: 'Other services',
  noServices: 'No services are listed yet.',
  latestUpdate: 'Latest update',
  noUpdates: 'No updates yet.',
  window: 'Scheduled window',
  windowRange: (start: string, end: string | null) => (end ? `${start} – ${end}` : `from ${start}`),
  started: 'Started',
  resolved: 'Resolved',
  completed: 'Completed',
  duration: 'Duration',
  affectedServices: 'Affected services',
  affectedGroups: 'Affected groups',
  timeline: 'Timeline',
  viewEvent: 'Details',
  uptimeBarLabel: (service: string) => `${service}: status of the last 90 days`,
  uptimeLast90: (percent: string) => `${percent} uptime over 90 days`,
  uptimeNoData: 'No uptime data yet',
  daysAgo90: '90 days ago',
  today: 'Today',
  dayLabel: (day: { date: string; days: number; status: string; percent: string | null; events: string[] }) =>
    [
      `${day.date}${day.days > 1 ? ` (${day.days} days)` : ''}: ${day.status}`,
      ...(day.percent ? [`${day.percent} uptime`] : []),
      ...(day.events.length > 0 ? [`${countOf(day.events.length, 'incident')}: ${day.events.join('; ')}`] : []),
    ].join(', '),
  uptimeFootnote:
    'Uptime is the share of each day a service was up: a major outage counts as down, a partial outage as 30 % down, degraded performance and operational as up. Time under maintenance is left out of the calculation. Days before a service existed show no data.',
  timesIn: (zone: string) => `Times are shown in the ${zone} time zone.`,
  monthlyUptime: 'Uptime by month',
  month: 'Month',
  uptime: 'Uptime',
  recentEvents: 'Recent incidents and maintenance',
  noRecentEvents: 'No incidents or maintenance recorded for this service.',
  historyTitle: 'History',
  historyHeading: 'Past incidents and maintenance',
  noHistory: 'No past incidents or maintenance.',
  newer: 'Newer',
  older: 'Older',
  pageOf: (page: number, pages: number) => `Page ${page} of ${pages}`,
  notFoundTitle: 'Page not found',
  notFoundText: 'There is nothing at this address. It may have been removed, or the link may be mistyped.',
  badRequestTitle: 'Bad request',
  badRequestText: 'This address asks for something the page cannot show.',
  backToStatus: 'Back to the current status',
  supportLink: 'Contact support',
  siteLink: 'Website',
  poweredBy: 'Powered by StatusPage',
  lessThanAMinute: 'less than a minute',
};

/** A count with its noun, in the English plural. */
function countOf(count: number, noun: string) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export type Messages = typeof en;
