import type { IntegrationCatalog } from '../integrations';
import { logStatusChanges } from './status-log';
import { activeServiceIdsBySlugs, latestLogSources, lockServiceRows, setServicesStatus } from './store';
import { selectServiceViews } from './views';

/** The catalog's side of the integrations module's `IntegrationCatalog` port. */
export const catalogForIntegrations: IntegrationCatalog = {
  serviceIdsBySlugs: activeServiceIdsBySlugs,

  async lockServices(tx, ids) {
    if (ids.length > 0) await lockServiceRows(tx, ids);
  },

  async serviceStates(tx, ids) {
    const views = await selectServiceViews(tx, { ids: [...ids], includeArchived: true });
    const sources = await latestLogSources(tx, ids);
    return new Map(
      views.map((view) => [
        view.id,
        {
          slug: view.slug,
          name: view.name,
          stored: view.status,
          inActiveEvent: view.has_active_events,
          lastSource: sources.get(view.id) ?? null,
        },
      ]),
    );
  },

  async setStatusFromAlerts(tx, changes, integrationId, actorId, at) {
    if (changes.length === 0) return;
    for (const change of changes) await setServicesStatus(tx, [change.serviceId], change.newStatus, at);
    await logStatusChanges(
      tx,
      changes.map((change) => ({
        serviceId: change.serviceId,
        oldStatus: change.oldStatus,
        newStatus: change.newStatus,
        sourceType: 'webhook' as const,
        integrationId,
        reason: change.reason,
        createdBy: actorId,
        createdAt: at,
      })),
      at,
    );
  },
};
