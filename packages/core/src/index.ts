import type { Database } from '@statuspage/db';
import { createGroupUseCases } from './catalog/groups';
import { createServiceUseCases } from './catalog/services';
import { createEventUseCases } from './events/events';
import { createAuthUseCases, type IdentityConfig } from './identity/auth';
import { createSessionManager } from './identity/session-store';
import { createUserAdminUseCases } from './identity/users';
import { type Clock, systemClock } from './shared/clock';
import { assertTemplateExists, createTemplateUseCases } from './templates/templates';

export { effectiveStatusSql, hasActiveEventsSql } from './catalog/service-view';
export type { AuthenticatedSession, IdentityConfig } from './identity/auth';
export { hashPassword, verifyPassword } from './identity/passwords';
export type { SessionUser } from './identity/session-store';
export type { Clock } from './shared/clock';
export { DomainError, type DomainErrorKind } from './shared/errors';
export {
  checkTemplate,
  formatTimestamp,
  parseTemplate,
  renderTemplate,
  type TemplatePart,
  TemplateSyntaxError,
  type TemplateValues,
} from './templates/macros';
export {
  assertTemplateExists,
  getTemplateById,
  type RenderedTemplate,
  renderEventTemplate,
  sampleTemplateValues,
} from './templates/templates';

export interface CoreOptions {
  db: Database;
  identity: IdentityConfig;
  clock?: Clock;
}

/** Wires the use-cases of every module over one database handle. */
export function createCore(options: CoreOptions) {
  const clock = options.clock ?? systemClock;
  const { db } = options;
  const auth = createAuthUseCases({
    db,
    clock,
    config: options.identity,
    sessions: createSessionManager(db, options.identity.accessTtlSeconds),
  });
  return {
    auth,
    users: createUserAdminUseCases({ db, clock, revokeAllForUser: auth.revokeAllForUser }),
    services: createServiceUseCases({ db, clock }),
    groups: createGroupUseCases({ db, clock }),
    templates: createTemplateUseCases({ db, clock }),
    events: createEventUseCases({ db, clock, assertTemplateExists }),
  };
}
export type Core = ReturnType<typeof createCore>;
