import { DomainError } from '../shared/errors';

/** The events module's failures. */
export const EventErrors = {
  notFound: () => new DomainError('not_found', 'events.not_found', 'event not found'),
  serviceNotFound: () => new DomainError('not_found', 'events.service_not_found', 'service not found'),
  closed: (status: string) =>
    new DomainError('conflict', 'events.closed', `event is ${status}; a closed event cannot be updated`),
  deleteActive: () =>
    new DomainError('conflict', 'events.delete_active', 'cannot delete active event: resolve it first'),
  invalid: (field: string, message: string) =>
    new DomainError('invalid', 'events.invalid', message, [{ field, message }]),
};
