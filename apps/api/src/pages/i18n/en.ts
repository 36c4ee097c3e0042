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
  subscribeTitle: 'Subscribe to updates',
  subscribeLead:
    'Get an e-mail when an incident or maintenance affects the services you choose. We first send a link to confirm the address; nothing else is sent until you follow it.',
  emailLabel: 'E-mail address',
  honeypotLabel: 'Leave this field empty',
  scopeLegend: 'What to follow',
  scopeAll: 'Every service, including ones added later',
  scopeChosen: 'Only the services and groups chosen below',
  wholeGroup: (name: string) => `All of ${name}, including services added to it later`,
  subscribeButton: 'Subscribe',
  subscribeDoneTitle: 'Check your inbox',
  subscribeDoneText:
    'If this address can subscribe, a message is on its way to it. Follow its link to confirm or manage the subscription; a confirmation link works once, for 24 hours.',
  subscribeInvalid:
    'Please check the form: enter a valid e-mail address, and choose every service or at least one service or group.',
  tooManyTitle: 'Too many requests',
  tooManyText: 'There were too many subscription requests from here or for this address. Please try again later.',
  confirmTitle: 'Confirm your subscription',
  confirmText: 'Press the button to start receiving status notifications at this address.',
  confirmButton: 'Confirm the subscription',
  confirmedTitle: 'Subscription confirmed',
  confirmedText: 'You will receive the next notifications about what you chose.',
  manageLink: 'Manage your subscription',
  linkInvalidTitle: 'This link does not work',
  linkInvalidText: 'It is invalid, was already used, or has expired. You can subscribe again.',
  manageTitle: 'Your subscription',
  manageLead: (email: string) => `Notifications go to ${email}.`,
  saveButton: 'Save',
  savedText: 'Your choice is saved.',
  unsubscribeHeading: 'Unsubscribe',
  unsubscribeText: 'Stop every notification to this address.',
  unsubscribeButton: 'Unsubscribe',
  unsubscribedTitle: 'You are unsubscribed',
  unsubscribedText: 'This address will not receive status notifications any more.',
  destinationLegend: 'Where to send the notifications',
  destinationEmail: 'By e-mail to the address above',
  destinationWebhook: 'To a webhook (signed JSON in the Statuspage format)',
  destinationSlack: 'To a Slack channel (incoming webhook)',
  destinationDiscord: 'To a Discord channel (webhook)',
  destinationTeams: 'To a Microsoft Teams channel (incoming webhook)',
  destinationUrlLabel: 'Webhook URL',
  destinationHint:
    'With a URL, the address above is the contact: it gets the confirmation link and a notice if the URL keeps failing. The URL gets a test message when you confirm.',
  destinationInvalid:
    'Please check the form: for a webhook or chat, enter its http(s) URL; URLs on private or local networks and disabled kinds are refused.',
  destinationUnverifiedTitle: 'The URL did not take the test message',
  destinationUnverifiedText:
    'The subscription is not confirmed yet: the URL must answer the test message with a 2xx status. Fix the receiver, then follow the confirmation link again (it keeps working until it expires).',
  signingSecretHeading: 'Your signing secret',
  signingSecretText:
    'Every request to your webhook is signed with this secret (the X-StatusPage-Signature header). Keep it now: it is shown only this once.',
  manageLeadDestination: (kind: string, host: string, email: string) =>
    `Notifications go to ${kind} at ${host}; ${email} is the contact.`,
  destinationKinds: { webhook: 'a webhook', slack: 'Slack', discord: 'Discord', teams: 'Microsoft Teams' } as Record<
    string,
    string
  >,
  lessThanAMinute: 'less than a minute',
};

/** A count with its noun, in the English plural. */
function countOf(count: number, noun: string) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export type Messages = typeof en;
