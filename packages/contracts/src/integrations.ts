import { z } from 'zod';
import { envelope, Slug, Timestamp, Uuid } from './common';
import { ServiceStatus } from './enums';

// Integrations (incoming alerts from Prometheus Alertmanager, Grafana or any script): their
// management by admins, and the payloads their endpoints accept (docs/api/10-alerts.md).

export const integrationKinds = ['alertmanager', 'grafana', 'generic'] as const;
export const IntegrationKind = z.enum(integrationKinds);
export type IntegrationKind = z.infer<typeof IntegrationKind>;

/** The form of an integration's secret: recognisable by secret scanners, like API keys. */
export const INTEGRATION_SECRET_PATTERN = /\bsp_int_[0-9A-Za-z]{40}\b/;

/** A label name as Prometheus allows it. */
const LabelName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a Prometheus label name');
const LabelValue = z.string().min(1).max(255);
/** Statuses an alert may ask for (maintenance is not an alert's to declare). */
export const AlertStatus = ServiceStatus.exclude(['maintenance']);

const ServiceMap = z.record(LabelValue, Slug).refine((map) => Object.keys(map).length <= 500, 'at most 500 entries');
const SeverityMap = z
  .record(LabelValue, AlertStatus)
  .refine((map) => Object.keys(map).length <= 50, 'at most 50 entries');

export const Integration = z.object({
  id: Uuid,
  name: z.string(),
  kind: IntegrationKind,
  /** The secret's public start: enough to recognise it, useless to send alerts with. */
  secret_prefix: z.string(),
  service_label: z.string(),
  service_map: z.record(z.string(), z.string()),
  severity_map: z.record(z.string(), AlertStatus),
  default_status: AlertStatus,
  open_incidents: z.boolean(),
  template_id: Uuid.nullable(),
  notify_subscribers: z.boolean(),
  /** Where the monitoring system posts (path only; add it to the public base URL). */
  endpoint: z.string(),
  created_by: Uuid.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Integration = z.infer<typeof Integration>;
export const IntegrationResponse = envelope(Integration);
export const IntegrationsListResponse = envelope(z.array(Integration));

/** Creating or rotating: the only answers that show the secret. */
export const IntegrationWithSecret = Integration.extend({ secret: z.string() });
export type IntegrationWithSecret = z.infer<typeof IntegrationWithSecret>;
export const IntegrationWithSecretResponse = envelope(IntegrationWithSecret);

const IntegrationSettings = {
  name: z.string().trim().min(1).max(100),
  service_label: LabelName,
  service_map: ServiceMap,
  severity_map: SeverityMap,
  default_status: AlertStatus,
  open_incidents: z.boolean(),
  template_id: Uuid.nullable(),
  notify_subscribers: z.boolean(),
};

export const CreateIntegrationInput = z.strictObject({
  name: IntegrationSettings.name,
  kind: IntegrationKind,
  service_label: IntegrationSettings.service_label.default('statuspage_service'),
  service_map: IntegrationSettings.service_map.default({}),
  /** Default: `critical` → major_outage, `warning` → degraded. */
  severity_map: IntegrationSettings.severity_map.optional(),
  default_status: IntegrationSettings.default_status.default('partial_outage'),
  open_incidents: IntegrationSettings.open_incidents.default(false),
  template_id: IntegrationSettings.template_id.default(null),
  notify_subscribers: IntegrationSettings.notify_subscribers.default(false),
});
export type CreateIntegrationInput = z.infer<typeof CreateIntegrationInput>;

export const UpdateIntegrationInput = z.strictObject({
  id: Uuid,
  name: IntegrationSettings.name.optional(),
  service_label: IntegrationSettings.service_label.optional(),
  service_map: IntegrationSettings.service_map.optional(),
  severity_map: IntegrationSettings.severity_map.optional(),
  default_status: IntegrationSettings.default_status.optional(),
  open_incidents: IntegrationSettings.open_incidents.optional(),
  template_id: IntegrationSettings.template_id.optional(),
  notify_subscribers: IntegrationSettings.notify_subscribers.optional(),
});
export type UpdateIntegrationInput = z.infer<typeof UpdateIntegrationInput>;

export const IntegrationIdInput = z.object({ id: Uuid });

// The payloads. Monitoring systems add fields over time: unknown keys are accepted (never
// strict), every string, map and list is bounded.

const Labels = z
  .record(z.string().max(255), z.string().max(4096))
  .refine((labels) => Object.keys(labels).length <= 100, 'at most 100 labels');
const Text = z.string().max(20_000);
const Annotations = z
  .record(z.string().max(255), Text)
  .refine((annotations) => Object.keys(annotations).length <= 100, 'at most 100 annotations');
const Url = z.string().max(4096);
const AlertTime = z.string().max(64);

/** One alert of an Alertmanager (version 4) or Grafana webhook. */
export const WebhookAlert = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: Labels,
  annotations: Annotations.default({}),
  startsAt: AlertTime,
  endsAt: AlertTime.optional(),
  generatorURL: Url.optional(),
  fingerprint: z.string().min(1).max(255).optional(),
});
export type WebhookAlert = z.infer<typeof WebhookAlert>;

const webhookFields = {
  /** The integration (path parameter). */
  id: Uuid,
  version: z.string().max(16).optional(),
  groupKey: z.string().max(4096).optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(1000).optional(),
  groupLabels: Labels.optional(),
  commonLabels: Labels.optional(),
  commonAnnotations: Annotations.optional(),
  externalURL: Url.optional(),
  alerts: z.array(WebhookAlert).max(1000),
};

/** Alertmanager's webhook payload, version 4. */
export const AlertmanagerWebhookInput = z.looseObject(webhookFields);
export type AlertmanagerWebhookInput = z.infer<typeof AlertmanagerWebhookInput>;

/** Grafana's webhook contact point: Alertmanager's shape with a few more fields. */
export const GrafanaWebhookInput = z.looseObject({
  ...webhookFields,
  orgId: z.number().int().optional(),
  state: z.string().max(64).optional(),
  title: z.string().max(1000).optional(),
  message: Text.optional(),
});
export type GrafanaWebhookInput = z.infer<typeof GrafanaWebhookInput>;

/** The simplest caller: one service, one status (operational clears what it set). */
export const GenericWebhookInput = z.looseObject({
  id: Uuid,
  /** The service's slug, or a key of the integration's service map. */
  service: LabelValue,
  status: AlertStatus,
  message: z.string().max(1000).default(''),
});
export type GenericWebhookInput = z.infer<typeof GenericWebhookInput>;

export const alertOutcomes = ['applied', 'unchanged', 'held', 'ignored'] as const;

/** What the endpoint did with a payload's alerts (counts), once committed. */
export const AlertsReceived = z.object({
  received: z.number().int(),
  /** Alerts new or changed (a resend of a known alert is not). */
  applied: z.number().int(),
  /** Alerts that moved nothing, by reason (`duplicate`, `no_service_label`, `unknown_service`, `status_held`). */
  ignored: z.record(z.string(), z.number().int()),
  /** Services whose status this payload changed. */
  changed_services: z.array(Slug),
});
export type AlertsReceived = z.infer<typeof AlertsReceived>;
export const AlertsReceivedResponse = envelope(AlertsReceived);
