import type {
  StatuspageComponentsResponse,
  StatuspageIncident,
  StatuspageIncidentsResponse,
  StatuspageMaintenancesResponse,
  StatuspagePage,
  StatuspageScheduledMaintenance,
  StatuspageStatusResponse,
  StatuspageSummaryResponse,
} from '@statuspage/contracts';
import type { EventTimeline, TimelineFilter } from '../events';
import type { SyndicationDeps } from './ports';
import { pageStatusOf, RECENT_LIMIT } from './rules';
import { type Components, componentsOf, type IncidentContext, incidentOf, maintenanceOf, worstListed } from './views';

// The Statuspage public API v2 (summary, status, components, incidents, scheduled maintenances).

const latest = (times: Iterable<string | null>) => {
  let newest = '';
  for (const time of times) if (time !== null && time > newest) newest = time;
  return newest;
};

/** The page object, the components and the page's status: what every endpoint starts from. */
async function snapshot(deps: SyndicationDeps) {
  const [settings, pageId, services, groups, lastEvent] = await Promise.all([
    deps.page(),
    deps.pageId(),
    deps.catalog.services(),
    deps.catalog.groups(),
    deps.events.lastChange(),
  ]);
  const updatedAt =
    latest([
      settings.updated_at,
      lastEvent?.toISOString() ?? null,
      ...services.map((service) => service.updated_at),
      ...groups.map((group) => group.updated_at),
    ]) || new Date(0).toISOString();
  const page: StatuspagePage = {
    id: pageId,
    name: settings.name,
    url: deps.baseUrl,
    time_zone: settings.time_zone,
    updated_at: updatedAt,
  };
  return { page, components: componentsOf(services, groups, pageId), status: pageStatusOf[worstListed(services)] };
}

/** The context of incident views: the status changes of the events listed. */
async function incidentContext(
  deps: SyndicationDeps,
  page: StatuspagePage,
  components: Components,
  timelines: readonly EventTimeline[],
): Promise<IncidentContext> {
  const changes = await deps.catalog.eventStatusChanges(timelines.map((timeline) => timeline.event.id));
  return { page, baseUrl: deps.baseUrl, components, changes };
}

const unresolvedIncidents: TimelineFilter = {
  type: 'incident',
  statuses: ['investigating', 'identified', 'monitoring'],
};
const openMaintenance: TimelineFilter = { type: 'maintenance', statuses: ['scheduled', 'in_progress'] };

/** Which maintenance a list shows. */
export type MaintenanceList = 'recent' | 'upcoming' | 'active';
const maintenanceFilters: Record<MaintenanceList, TimelineFilter> = {
  recent: { type: 'maintenance', limit: RECENT_LIMIT },
  upcoming: { type: 'maintenance', statuses: ['scheduled'] },
  active: { type: 'maintenance', statuses: ['in_progress'] },
};

/** `/api/v2/summary.json`: page, components, unresolved incidents, upcoming and in-progress maintenance, status. */
export async function summary(deps: SyndicationDeps): Promise<StatuspageSummaryResponse> {
  const [{ page, components, status }, incidents, maintenance] = await Promise.all([
    snapshot(deps),
    deps.events.timelines(unresolvedIncidents),
    deps.events.timelines(openMaintenance),
  ]);
  const context = await incidentContext(deps, page, components, [...incidents, ...maintenance]);
  return {
    page,
    components: components.list,
    incidents: incidents.map((timeline) => incidentOf(timeline, context)),
    scheduled_maintenances: maintenance.map((timeline) => maintenanceOf(timeline, context)),
    status,
  };
}

/** `/api/v2/status.json`. */
export async function status(deps: SyndicationDeps): Promise<StatuspageStatusResponse> {
  const { page, status } = await snapshot(deps);
  return { page, status };
}

/** `/api/v2/components.json`. */
export async function components(deps: SyndicationDeps): Promise<StatuspageComponentsResponse> {
  const { page, components } = await snapshot(deps);
  return { page, components: components.list };
}

/** `/api/v2/incidents.json` (the 50 most recent) and `/api/v2/incidents/unresolved.json`. */
export async function incidents(deps: SyndicationDeps, unresolved: boolean): Promise<StatuspageIncidentsResponse> {
  const [{ page, components }, timelines] = await Promise.all([
    snapshot(deps),
    deps.events.timelines(unresolved ? unresolvedIncidents : { type: 'incident', limit: RECENT_LIMIT }),
  ]);
  const context = await incidentContext(deps, page, components, timelines);
  return { page, incidents: timelines.map((timeline) => incidentOf(timeline, context)) };
}

/** `/api/v2/scheduled-maintenances.json` (50 most recent), `…/upcoming.json`, `…/active.json`. */
export async function maintenances(
  deps: SyndicationDeps,
  which: MaintenanceList,
): Promise<StatuspageMaintenancesResponse> {
  const [{ page, components }, timelines] = await Promise.all([
    snapshot(deps),
    deps.events.timelines(maintenanceFilters[which]),
  ]);
  const context = await incidentContext(deps, page, components, timelines);
  return { page, scheduled_maintenances: timelines.map((timeline) => maintenanceOf(timeline, context)) };
}

/** What a Statuspage webhook says of the page and of one event (incident or maintenance), as it is now. */
export interface WebhookSnapshot {
  page: { id: string; status_indicator: string; status_description: string };
  /** Undefined when the event no longer exists. */
  incident: StatuspageIncident | StatuspageScheduledMaintenance | undefined;
}

/** The page's status and the event in the Statuspage shapes, for a Statuspage-format webhook. */
export async function webhookSnapshot(deps: SyndicationDeps, eventId: string): Promise<WebhookSnapshot> {
  const [{ page, components, status }, timelines] = await Promise.all([
    snapshot(deps),
    deps.events.timelines({ eventId }),
  ]);
  const context = await incidentContext(deps, page, components, timelines);
  const [timeline] = timelines;
  return {
    page: { id: page.id, status_indicator: status.indicator, status_description: status.description },
    incident: !timeline
      ? undefined
      : timeline.event.type === 'maintenance'
        ? maintenanceOf(timeline, context)
        : incidentOf(timeline, context),
  };
}
