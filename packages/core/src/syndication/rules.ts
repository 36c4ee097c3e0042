import type {
  EventStatus,
  ServiceStatus,
  Severity,
  StatuspageComponentStatus,
  StatuspageImpact,
  StatuspageIndicator,
} from '@statuspage/contracts';
import { worstStatusOf } from '../events';

// The mappings of the machine-readable views (Statuspage API v2, feeds, calendars, badges), pure.
//
// | our service status | Statuspage component status | indicator (page)       | badge colour |
// | ------------------ | --------------------------- | ---------------------- | ------------ |
// | operational        | operational                 | none                   | brightgreen  |
// | maintenance        | under_maintenance           | maintenance            | blue         |
// | degraded           | degraded_performance        | minor                  | yellow       |
// | partial_outage     | partial_outage              | major                  | orange       |
// | major_outage       | major_outage                | critical               | red          |
//
// The page's indicator comes from the worst effective status of its services (maintenance ranks
// below every outage: "maintenance" only while nothing is worse). Incident impact comes from the
// severity (none without one); maintenance always has impact `maintenance`.

/** A service status as a Statuspage component status. */
export const componentStatusOf: Record<ServiceStatus, StatuspageComponentStatus> = {
  operational: 'operational',
  degraded: 'degraded_performance',
  partial_outage: 'partial_outage',
  major_outage: 'major_outage',
  maintenance: 'under_maintenance',
};

/** The page's indicator and its description, by the worst effective status. */
export const pageStatusOf: Record<ServiceStatus, { indicator: StatuspageIndicator; description: string }> = {
  operational: { indicator: 'none', description: 'All Systems Operational' },
  degraded: { indicator: 'minor', description: 'Minor Service Outage' },
  partial_outage: { indicator: 'major', description: 'Partial System Outage' },
  major_outage: { indicator: 'critical', description: 'Major Service Outage' },
  maintenance: { indicator: 'maintenance', description: 'Service Under Maintenance' },
};

/** An incident's impact from its severity. */
export function impactOf(severity: Severity | null): Exclude<StatuspageImpact, 'maintenance'> {
  return severity ?? 'none';
}

/** The worst of some statuses; operational for none (the events module's rule). */
export const worstOf = worstStatusOf;

/** A service status in words, as a badge or a feed says it. */
export const statusWords: Record<ServiceStatus, string> = {
  operational: 'operational',
  degraded: 'degraded performance',
  partial_outage: 'partial outage',
  major_outage: 'major outage',
  maintenance: 'under maintenance',
};

/** An event status in words (timelines of feeds and calendars). */
export const eventStatusWords: Record<EventStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  completed: 'Completed',
};

/** Named colours shields.io and badge-maker both know. */
export const badgeColourOf: Record<ServiceStatus, string> = {
  operational: 'brightgreen',
  maintenance: 'blue',
  degraded: 'yellow',
  partial_outage: 'orange',
  major_outage: 'red',
};

/** The words of a whole page's badge: its Statuspage description, lower case. */
export function pageBadgeMessage(worst: ServiceStatus): string {
  return pageStatusOf[worst].description.toLowerCase();
}

/** The first group of a service that is listed (its group_ids are in the groups' display order). */
export function firstListedGroup(groupIds: readonly string[], listed: ReadonlySet<string>): string | null {
  return groupIds.find((id) => listed.has(id)) ?? null;
}

/** The time an update reached `monitoring` first, if it did (updates newest first). */
export function monitoringAt(updates: readonly { status: EventStatus; created_at: string }[]): string | null {
  let first: string | null = null;
  for (const update of updates) if (update.status === 'monitoring') first = update.created_at;
  return first;
}

/** What the latest of 50 entries of a list means: feeds and the Statuspage lists keep that many. */
export const RECENT_LIMIT = 50;
