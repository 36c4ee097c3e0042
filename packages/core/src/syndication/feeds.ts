import type { Service } from '@statuspage/contracts';
import { SyndicationErrors } from './errors';
import type { SyndicationDeps } from './ports';
import { RECENT_LIMIT } from './rules';
import { type FeedModel, feedEntryOf } from './views';

/** A listed (not archived) service by slug; unknown or archived fails. */
export async function listedService(deps: SyndicationDeps, slug: string): Promise<Service> {
  const service = (await deps.catalog.services()).find(
    (candidate) => candidate.slug === slug && candidate.archived_at === null,
  );
  if (!service) throw SyndicationErrors.serviceNotFound();
  return service;
}

/**
 * The history feed of the page, or of one service (by slug): one entry per
 * incident or maintenance, the latest 50, newest first.
 */
export async function feed(deps: SyndicationDeps, serviceSlug?: string): Promise<FeedModel> {
  const [settings, services] = await Promise.all([deps.page(), deps.catalog.services()]);
  const service = serviceSlug === undefined ? undefined : await listedService(deps, serviceSlug);
  const timelines = await deps.events.timelines({ limit: RECENT_LIMIT, serviceId: service?.id, order: 'announced' });
  const context = {
    baseUrl: deps.baseUrl,
    timeZone: settings.time_zone,
    serviceNames: new Map(services.map((candidate) => [candidate.id, candidate.name])),
  };
  const entries = timelines.map((timeline) => feedEntryOf(timeline, context));
  const link = service ? `${deps.baseUrl}/services/${service.slug}` : `${deps.baseUrl}/history`;
  const newest = entries.reduce<Date | undefined>(
    (latest, entry) => (latest === undefined || entry.updated > latest ? entry.updated : latest),
    undefined,
  );
  return {
    id: link,
    title: service ? `${service.name} — ${settings.name} history` : `${settings.name} history`,
    description: service
      ? `Incidents and maintenance of ${service.name} on ${settings.name}`
      : `Incidents and maintenance on ${settings.name}`,
    link,
    updated: newest ?? new Date(settings.updated_at ?? 0),
    author: { name: settings.name, link: deps.baseUrl },
    entries,
  };
}
