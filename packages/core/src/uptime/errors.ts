import { DomainError } from '../shared/errors';

/** The uptime module's failures. */
export const UptimeErrors = {
  invalid: (field: string, message: string) =>
    new DomainError('invalid', 'uptime.invalid', message, [{ field, message }]),
};
