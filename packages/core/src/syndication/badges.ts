import { SyndicationErrors } from './errors';
import { listedService } from './feeds';
import type { SyndicationDeps } from './ports';
import { badgeColourOf, pageBadgeMessage, statusWords, worstOf } from './rules';
import { type BadgeModel, worstListed } from './views';

/** What a badge shows the status of. */
export type BadgeTarget = { page: true } | { service: string } | { group: string };

/**
 * A status badge: the whole page (its worst service), one service, or one
 * group (the worst of all its services, whichever group they are listed under elsewhere).
 */
export async function badge(deps: SyndicationDeps, target: BadgeTarget): Promise<BadgeModel> {
  if ('service' in target) {
    const service = await listedService(deps, target.service);
    return {
      label: service.name,
      message: statusWords[service.effective_status],
      color: badgeColourOf[service.effective_status],
    };
  }
  const services = await deps.catalog.services();
  if ('group' in target) {
    const group = (await deps.catalog.groups()).find((candidate) => candidate.slug === target.group);
    if (!group) throw SyndicationErrors.groupNotFound();
    const members = new Set(group.service_ids);
    const worst = worstOf(
      services
        .filter((service) => members.has(service.id) && service.archived_at === null)
        .map((service) => service.effective_status),
    );
    return { label: group.name, message: statusWords[worst], color: badgeColourOf[worst] };
  }
  const [settings, worst] = [await deps.page(), worstListed(services)];
  return { label: settings.name, message: pageBadgeMessage(worst), color: badgeColourOf[worst] };
}
