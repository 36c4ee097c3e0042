// The integrations module: monitoring systems (Prometheus Alertmanager, Grafana, any script) whose
// alerts move service statuses or open incidents (docs/api/10-alerts.md).
import type { CreateIntegrationInput, UpdateIntegrationInput } from '@statuspage/contracts';
import {
  createIntegration,
  getIntegration,
  listIntegrations,
  removeIntegration,
  rotateIntegrationSecret,
  updateIntegrationSettings,
} from './manage';
import type { IntegrationDeps } from './ports';
import { type AlertDelivery, receiveAlerts } from './receive';

export { IntegrationErrors } from './errors';
export type {
  IncidentView,
  IntegrationCatalog,
  IntegrationDeps,
  IntegrationIncidents,
  IntegrationTemplates,
} from './ports';
export type { AlertDelivery, AlertsOutcome } from './receive';
export { type IgnoredReason, ignoredReasons } from './rules';

/** Integrations: managed by admins; their endpoints receive alerts. */
export function createIntegrationUseCases(deps: IntegrationDeps) {
  return {
    list: () => listIntegrations(deps),
    get: (id: string) => getIntegration(deps, id),
    create: (actorId: string, input: CreateIntegrationInput) => createIntegration(deps, actorId, input),
    update: (input: UpdateIntegrationInput) => updateIntegrationSettings(deps, input),
    rotateSecret: (id: string) => rotateIntegrationSecret(deps, id),
    delete: (id: string) => removeIntegration(deps, id),
    receive: (id: string, secret: string | null, delivery: AlertDelivery) => receiveAlerts(deps, id, secret, delivery),
  };
}
export type IntegrationUseCases = ReturnType<typeof createIntegrationUseCases>;
