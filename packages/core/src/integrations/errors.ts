import { DomainError } from '../shared/errors';

/** The integrations module's failures. */
export const IntegrationErrors = {
  notFound: () => new DomainError('not_found', 'integrations.not_found', 'integration not found'),
  // Unknown integration and wrong secret answer alike: the endpoint tells a stranger nothing.
  unauthenticated: () =>
    new DomainError('unauthenticated', 'integrations.unauthenticated', 'missing or invalid integration secret'),
  wrongEndpoint: (kind: string, path: string) =>
    new DomainError('invalid', 'integrations.wrong_endpoint', `this integration receives ${kind} payloads`, [
      { field: 'body', message: `post ${kind} payloads to ${path}` },
    ]),
  invalidAlert: (field: string, message: string) =>
    new DomainError('invalid', 'integrations.invalid_alert', 'invalid alert', [{ field, message }]),
};
