import { DomainError } from '../shared/errors';

/** The syndication module's failures. */
export const SyndicationErrors = {
  serviceNotFound: () => new DomainError('not_found', 'syndication.service_not_found', 'service not found'),
  groupNotFound: () => new DomainError('not_found', 'syndication.group_not_found', 'group not found'),
};
