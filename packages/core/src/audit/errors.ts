import { DomainError } from '../shared/errors';

/** The audit module's failures. */
export const AuditErrors = {
  invalidCursor: () =>
    new DomainError('invalid', 'audit.invalid_cursor', 'invalid cursor', [
      { field: 'cursor', message: 'pass the next_cursor of a previous page unchanged' },
    ]),
  invalidRange: () =>
    new DomainError('invalid', 'audit.invalid_range', 'invalid time range', [
      { field: 'until', message: 'must not be before since' },
    ]),
};
