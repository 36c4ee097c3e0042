import { z } from 'zod';

// The public API v2 of Atlassian Statuspage, as its clients (Home Assistant, Grafana plugins,
// Prometheus exporters, chat bots) read it: every key present (null rather than omitted), ids as
// strings, timestamps ISO 8601 in UTC with milliseconds. Served under /api/v2/*.json.

/** ISO 8601 in UTC with milliseconds (`2026-01-02T03:04:05.678Z`), as `Date.toISOString()` writes it. */
const UtcTimestamp = z.iso.datetime({ precision: 3 });
const Id = z.string().min(1);

export const statuspageComponentStatuses = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
] as const;
export const StatuspageComponentStatus = z.enum(statuspageComponentStatuses);
export type StatuspageComponentStatus = z.infer<typeof StatuspageComponentStatus>;

export const statuspageIndicators = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
export const StatuspageIndicator = z.enum(statuspageIndicators);
export type StatuspageIndicator = z.infer<typeof StatuspageIndicator>;

export const StatuspagePage = z
  .object({
    id: Id,
    name: z.string(),
    /** The public page (the api's public base URL). */
    url: z.url(),
    /** IANA time zone of the page. */
    time_zone: z.string(),
    updated_at: UtcTimestamp,
  })
  .meta({ id: 'StatuspagePage' });
export type StatuspagePage = z.infer<typeof StatuspagePage>;

export const StatuspageComponent = z
  .object({
    /** A service's or group's id: the same on every endpoint. */
    id: Id,
    name: z.string(),
    status: StatuspageComponentStatus,
    created_at: UtcTimestamp,
    updated_at: UtcTimestamp,
    position: z.number().int(),
    description: z.string().nullable(),
    showcase: z.boolean(),
    /** The day the component appeared (YYYY-MM-DD). */
    start_date: z.iso.date().nullable(),
    /** The group this component is listed under (a service in several groups: its first). */
    group_id: Id.nullable(),
    page_id: Id,
    /** A group: its status is its worst child's; its children list it in `group_id`. */
    group: z.boolean(),
    only_show_if_degraded: z.boolean(),
    /** Groups only (as on Statuspage): the ids of their children. */
    components: z.array(Id).optional(),
  })
  .meta({ id: 'StatuspageComponent' });
export type StatuspageComponent = z.infer<typeof StatuspageComponent>;

export const StatuspageAffectedComponent = z
  .object({
    code: Id,
    name: z.string(),
    old_status: StatuspageComponentStatus,
    new_status: StatuspageComponentStatus,
  })
  .meta({ id: 'StatuspageAffectedComponent' });

export const statuspageIncidentStatuses = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export const statuspageMaintenanceStatuses = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export const statuspageImpacts = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
export type StatuspageImpact = (typeof statuspageImpacts)[number];

const updateOf = <S extends z.ZodType>(status: S) =>
  z.object({
    id: Id,
    status,
    body: z.string(),
    incident_id: Id,
    created_at: UtcTimestamp,
    updated_at: UtcTimestamp,
    display_at: UtcTimestamp,
    /** The components whose status this update changed; null when it changed none. */
    affected_components: z.array(StatuspageAffectedComponent).nullable(),
    deliver_notifications: z.boolean(),
    custom_tweet: z.null(),
    tweet_id: z.null(),
  });

export const StatuspageIncidentUpdate = updateOf(z.enum(statuspageIncidentStatuses)).meta({
  id: 'StatuspageIncidentUpdate',
});
export const StatuspageMaintenanceUpdate = updateOf(z.enum(statuspageMaintenanceStatuses)).meta({
  id: 'StatuspageMaintenanceUpdate',
});

const incidentFields = {
  id: Id,
  name: z.string(),
  created_at: UtcTimestamp,
  updated_at: UtcTimestamp,
  /** When it first reached `monitoring` (kept once set). */
  monitoring_at: UtcTimestamp.nullable(),
  /** Null while open. */
  resolved_at: UtcTimestamp.nullable(),
  /** The event's public page. */
  shortlink: z.url(),
  started_at: UtcTimestamp,
  page_id: Id,
  /** The affected components as they are now. */
  components: z.array(StatuspageComponent),
};

export const StatuspageIncident = z
  .object({
    ...incidentFields,
    status: z.enum(statuspageIncidentStatuses),
    impact: z.enum(['none', 'minor', 'major', 'critical']),
    /** Newest first. */
    incident_updates: z.array(StatuspageIncidentUpdate),
  })
  .meta({ id: 'StatuspageIncident' });
export type StatuspageIncident = z.infer<typeof StatuspageIncident>;

export const StatuspageScheduledMaintenance = z
  .object({
    ...incidentFields,
    status: z.enum(statuspageMaintenanceStatuses),
    impact: z.literal('maintenance'),
    incident_updates: z.array(StatuspageMaintenanceUpdate),
    scheduled_for: UtcTimestamp.nullable(),
    scheduled_until: UtcTimestamp.nullable(),
  })
  .meta({ id: 'StatuspageScheduledMaintenance' });
export type StatuspageScheduledMaintenance = z.infer<typeof StatuspageScheduledMaintenance>;

export const StatuspageStatus = z
  .object({ indicator: StatuspageIndicator, description: z.string() })
  .meta({ id: 'StatuspageStatus' });
export type StatuspageStatus = z.infer<typeof StatuspageStatus>;

export const StatuspageSummaryResponse = z.object({
  page: StatuspagePage,
  components: z.array(StatuspageComponent),
  /** Unresolved incidents, newest first. */
  incidents: z.array(StatuspageIncident),
  /** Upcoming and in-progress maintenance, newest first. */
  scheduled_maintenances: z.array(StatuspageScheduledMaintenance),
  status: StatuspageStatus,
});
export type StatuspageSummaryResponse = z.infer<typeof StatuspageSummaryResponse>;
export const StatuspageStatusResponse = z.object({ page: StatuspagePage, status: StatuspageStatus });
export type StatuspageStatusResponse = z.infer<typeof StatuspageStatusResponse>;
export const StatuspageComponentsResponse = z.object({
  page: StatuspagePage,
  components: z.array(StatuspageComponent),
});
export type StatuspageComponentsResponse = z.infer<typeof StatuspageComponentsResponse>;
export const StatuspageIncidentsResponse = z.object({ page: StatuspagePage, incidents: z.array(StatuspageIncident) });
export type StatuspageIncidentsResponse = z.infer<typeof StatuspageIncidentsResponse>;
export const StatuspageMaintenancesResponse = z.object({
  page: StatuspagePage,
  scheduled_maintenances: z.array(StatuspageScheduledMaintenance),
});
export type StatuspageMaintenancesResponse = z.infer<typeof StatuspageMaintenancesResponse>;

/** shields.io's "endpoint" badge JSON (https://shields.io/badges/endpoint-badge). */
export const ShieldsEndpointResponse = z.object({
  schemaVersion: z.literal(1),
  label: z.string(),
  message: z.string(),
  color: z.string(),
});
export type ShieldsEndpointResponse = z.infer<typeof ShieldsEndpointResponse>;

export const badgeStyles = ['flat', 'flat-square', 'for-the-badge'] as const;
/** `?label=` and `?style=` of the badges (unknown parameters are ignored). */
export const BadgeQuery = z.object({
  label: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'no control characters')
    .optional(),
  style: z.enum(badgeStyles).default('flat'),
});
export type BadgeQuery = z.infer<typeof BadgeQuery>;
