import { DomainError } from '../shared/errors';

/** The catalogue's failures. */
export const CatalogErrors = {
  serviceNotFound: () => new DomainError('not_found', 'catalog.service_not_found', 'service not found'),
  groupNotFound: () => new DomainError('not_found', 'catalog.group_not_found', 'group not found'),
  serviceSlugTaken: () => new DomainError('conflict', 'catalog.slug_taken', 'a service with this slug already exists'),
  groupSlugTaken: () => new DomainError('conflict', 'catalog.slug_taken', 'a group with this slug already exists'),
  unknownGroups: (ids: string[]) =>
    new DomainError('invalid', 'catalog.unknown_groups', `unknown or archived group ids: ${ids.join(', ')}`, [
      { field: 'group_ids', message: `unknown or archived group ids: ${ids.join(', ')}` },
    ]),
  unknownServices: (ids: string[]) =>
    new DomainError('invalid', 'catalog.unknown_services', `unknown or archived service ids: ${ids.join(', ')}`, [
      { field: 'service_ids', message: `unknown or archived service ids: ${ids.join(', ')}` },
    ]),
  inActiveEvent: (what: 'service' | 'group') =>
    new DomainError(
      'conflict',
      'catalog.in_active_event',
      what === 'service'
        ? 'service has active events; resolve them before archiving'
        : 'a service of this group has active events; resolve them before archiving',
    ),
  groupHasServices: () =>
    new DomainError(
      'conflict',
      'catalog.group_has_services',
      'group still has services assigned; remove or archive them before archiving the group',
    ),
  notArchived: (what: 'service' | 'group') =>
    new DomainError('conflict', 'catalog.not_archived', `${what} is not archived`),
};
