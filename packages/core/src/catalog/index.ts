// The catalog module: services, groups, their computed status and the status log.

export { CatalogErrors } from './errors';
export { catalogForEvents } from './event-catalog';
export { createGroupUseCases, type GroupUseCases, type UpdateGroupCommand } from './groups';
export { catalogForIntegrations } from './integration-catalog';
export { catalogForNotifications } from './notification-catalog';
export type { CatalogDeps, CatalogEvents } from './ports';
export { createServiceUseCases, type ServiceUseCases, type UpdateServiceCommand } from './services';
export { effectiveStatusSql, hasActiveEventsSql, selectServicesWithStatus } from './store';
export { catalogForUptime } from './uptime-catalog';
