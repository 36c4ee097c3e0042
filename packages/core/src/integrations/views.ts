import type { Integration, IntegrationWithSecret, ServiceStatus } from '@statuspage/contracts';
import { endpointPath } from './rules';
import type { IntegrationRow } from './store';

type AlertStatusValue = Exclude<ServiceStatus, 'maintenance'>;

/** An integration as on the wire (never its secret's hash). */
export function toIntegrationDto(row: IntegrationRow): Integration {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    secret_prefix: row.secretPrefix,
    service_label: row.serviceLabel,
    service_map: row.serviceMap,
    severity_map: row.severityMap as Record<string, AlertStatusValue>,
    default_status: row.defaultStatus as AlertStatusValue,
    open_incidents: row.openIncidents,
    template_id: row.templateId,
    notify_subscribers: row.notifySubscribers,
    endpoint: endpointPath(row.id, row.kind),
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** The answer of creating or rotating: the one time the secret is shown. */
export function withSecret(row: IntegrationRow, secret: string): IntegrationWithSecret {
  return { ...toIntegrationDto(row), secret };
}
