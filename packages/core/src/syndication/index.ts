import { type BadgeTarget, badge } from './badges';
import { calendar } from './calendar';
import { feed } from './feeds';
import type { SyndicationDeps } from './ports';
import {
  components,
  incidents,
  type MaintenanceList,
  maintenances,
  status,
  summary,
  webhookSnapshot,
} from './statuspage';

export type { BadgeTarget } from './badges';
export { SyndicationErrors } from './errors';
export type { SyndicationCatalog, SyndicationDeps, SyndicationEvents, SyndicationPage } from './ports';
export { badgeColourOf, componentStatusOf, pageStatusOf, statusWords } from './rules';
export type { MaintenanceList, WebhookSnapshot } from './statuspage';
export type { BadgeModel, CalendarEvent, CalendarModel, FeedEntry, FeedModel } from './views';

/**
 * The page for machines: the Statuspage public API v2, history feeds, the
 * maintenance calendar and status badges, read from the catalog and the events.
 */
export function createSyndicationUseCases(deps: SyndicationDeps) {
  return {
    summary: () => summary(deps),
    status: () => status(deps),
    components: () => components(deps),
    incidents: (unresolved = false) => incidents(deps, unresolved),
    maintenances: (which: MaintenanceList = 'recent') => maintenances(deps, which),
    feed: (serviceSlug?: string) => feed(deps, serviceSlug),
    calendar: (serviceSlug?: string) => calendar(deps, serviceSlug),
    badge: (target: BadgeTarget) => badge(deps, target),
    webhookSnapshot: (eventId: string) => webhookSnapshot(deps, eventId),
  };
}
export type SyndicationUseCases = ReturnType<typeof createSyndicationUseCases>;
