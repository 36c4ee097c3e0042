import { createHash } from 'node:crypto';
import {
  AlertStatus,
  type GenericWebhookInput,
  type IntegrationKind,
  type ServiceStatus,
  type Severity,
  type WebhookAlert,
} from '@statuspage/contracts';
import { severityOf, worseStatus, worstStatusOf } from '../events';

// The pure rules of incoming alerts: how an alert names its service and its status, what a
// payload asks of each alert, of each service and of each alert group's incident.

/** The label that names the service unless the integration chose another. */
export const DEFAULT_SERVICE_LABEL = 'statuspage_service';
/** A label that overrides the status the severity would give. */
export const STATUS_LABEL = 'statuspage_status';
/** The label whose value the severity map reads. */
export const SEVERITY_LABEL = 'severity';
/** `severity` → status when the integration sets no map of its own. */
export const DEFAULT_SEVERITY_MAP: Readonly<Record<string, ServiceStatus>> = {
  critical: 'major_outage',
  warning: 'degraded',
};
/** The status of an alert whose severity the map does not list (by default). */
export const DEFAULT_ALERT_STATUS: ServiceStatus = 'partial_outage';
/** Prefix of integration secrets (`sp_int_` and 40 letters and digits: INTEGRATION_SECRET_PATTERN). */
export const SECRET_PREFIX = 'sp_int_';
export const SECRET_RANDOM_LENGTH = 40;
/** Characters of the secret kept to recognise it (the prefix and 4 random ones). */
export const SECRET_SHOWN_LENGTH = SECRET_PREFIX.length + 4;

/** Which payload an integration's endpoint takes: Alertmanager and Grafana share a shape. */
export function endpointPath(id: string, kind: IntegrationKind) {
  return `/api/v1/integrations/${id}/${kind}`;
}

/** How an integration reads alerts (its stored settings). */
export interface AlertMapping {
  serviceLabel: string;
  serviceMap: Readonly<Record<string, string>>;
  severityMap: Readonly<Record<string, string>>;
  defaultStatus: ServiceStatus;
}

/** An alert as every kind of payload becomes, before it is matched with a service. */
export interface ReceivedAlert {
  fingerprint: string;
  startsAt: Date;
  firing: boolean;
  groupKey: string;
  labels: Record<string, string>;
  /** One line for the status log and the incident: alertname and summary. */
  summary: string;
  /** The service key (label value) or null when the alert names none. */
  serviceKey: string | null;
  /** What the alert asks of its service while firing. */
  status: ServiceStatus;
}

/** Why an alert moved nothing. */
export type IgnoredReason = 'no_service_label' | 'unknown_service' | 'duplicate' | 'status_held';
export const ignoredReasons: readonly IgnoredReason[] = [
  'no_service_label',
  'unknown_service',
  'duplicate',
  'status_held',
];

/** The status an alert asks for: its `statuspage_status` label, else its severity through the map, else the default. */
export function alertStatus(labels: Readonly<Record<string, string>>, mapping: AlertMapping): ServiceStatus {
  const explicit = AlertStatus.safeParse(labels[STATUS_LABEL]?.trim().toLowerCase());
  if (explicit.success) return explicit.data;
  const severity = labels[SEVERITY_LABEL]?.trim().toLowerCase();
  const map = Object.keys(mapping.severityMap).length > 0 ? mapping.severityMap : DEFAULT_SEVERITY_MAP;
  const mapped = severity === undefined ? undefined : AlertStatus.safeParse(map[severity]);
  return mapped?.success ? mapped.data : mapping.defaultStatus;
}

/** The slug of the service a label value names: through the service map, else the value itself. */
export function serviceSlugOf(key: string, mapping: Pick<AlertMapping, 'serviceMap'>): string {
  return Object.hasOwn(mapping.serviceMap, key) ? (mapping.serviceMap[key] as string) : key;
}

/** Alertmanager's fingerprint, or (senders that leave it out) a hash of the sorted labels. */
export function fingerprintOf(alert: { fingerprint?: string | undefined; labels: Record<string, string> }) {
  if (alert.fingerprint) return alert.fingerprint;
  const sorted = Object.keys(alert.labels)
    .sort()
    .map((name) => [name, alert.labels[name]]);
  return `labels:${createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 32)}`;
}

/** An RFC 3339 time of a payload (Alertmanager writes nanoseconds), or null when it is none. */
export function parseAlertTime(value: string): Date | null {
  // JavaScript keeps milliseconds: cut longer fractions, or Date.parse refuses some engines' forms.
  const trimmed = value.trim().replace(/(\.\d{3})\d+/, '$1');
  const time = Date.parse(trimmed);
  return Number.isNaN(time) ? null : new Date(time);
}

function summaryOf(labels: Record<string, string>, annotations: Record<string, string>) {
  const name = labels.alertname ?? 'alert';
  const text = annotations.summary ?? annotations.description ?? annotations.message ?? '';
  return (text ? `${name}: ${text}` : name).slice(0, 500);
}

/**
 * The alerts of an Alertmanager or Grafana payload. Labels common to the group fill in what an
 * alert leaves out. Returns the index of the first alert whose start is not a time instead.
 */
export function readWebhookAlerts(
  payload: {
    groupKey?: string | undefined;
    commonLabels?: Record<string, string> | undefined;
    alerts: readonly WebhookAlert[];
  },
  mapping: AlertMapping,
): { alerts: ReceivedAlert[] } | { invalidAt: number } {
  const alerts: ReceivedAlert[] = [];
  for (const [index, alert] of payload.alerts.entries()) {
    const startsAt = parseAlertTime(alert.startsAt);
    if (!startsAt) return { invalidAt: index };
    const labels = { ...(payload.commonLabels ?? {}), ...alert.labels };
    const key = labels[mapping.serviceLabel]?.trim();
    alerts.push({
      fingerprint: fingerprintOf({ fingerprint: alert.fingerprint, labels: alert.labels }),
      startsAt,
      firing: alert.status === 'firing',
      groupKey: payload.groupKey ?? '',
      labels,
      summary: summaryOf(labels, alert.annotations),
      serviceKey: key ? key : null,
      status: alertStatus(labels, mapping),
    });
  }
  return { alerts };
}

/** The one alert of a generic payload: one per service key, operational resolves it. */
export function readGenericAlert(payload: Pick<GenericWebhookInput, 'service' | 'status' | 'message'>): ReceivedAlert {
  const key = payload.service.trim();
  return {
    fingerprint: `generic:${key}`,
    // A generic sender has no alert identity besides its service: one alert per service, ever.
    startsAt: new Date(0),
    firing: payload.status !== 'operational',
    groupKey: `generic:${key}`,
    labels: {},
    summary: (payload.message.trim() || `status ${payload.status}`).slice(0, 500),
    serviceKey: key,
    status: payload.status,
  };
}

/** An alert as stored (what matters to compare with a resend). */
export interface StoredAlertState {
  firing: boolean;
  status: ServiceStatus | null;
  serviceId: string | null;
}

/** Whether a received alert changes what is stored (a resend of the same state changes nothing). */
export function alertChanged(stored: StoredAlertState | undefined, received: StoredAlertState): boolean {
  if (!stored) return true;
  return (
    stored.firing !== received.firing || stored.status !== received.status || stored.serviceId !== received.serviceId
  );
}

/** A service as the decision needs it. */
export interface ServiceState {
  stored: ServiceStatus;
  /** An incident or maintenance that affects it is active. */
  inActiveEvent: boolean;
  /** The source of its latest status-log entry. */
  lastSource: 'manual' | 'event' | 'webhook' | null;
}

export type ServiceDecision =
  | { kind: 'set'; status: ServiceStatus }
  | { kind: 'keep' }
  | { kind: 'held'; reason: 'active_event' | 'manual_override' };

/**
 * What the alerts firing on a service ask of it: the worst of their statuses, or operational
 * when none fires. Held while an incident or maintenance affects it (the event speaks for it),
 * and a status a person set by hand is never improved by alerts (only made worse).
 */
export function decideServiceStatus(service: ServiceState, firing: readonly ServiceStatus[]): ServiceDecision {
  const target = firing.length > 0 ? worstStatusOf(firing) : 'operational';
  if (target === service.stored) return { kind: 'keep' };
  if (service.inActiveEvent) return { kind: 'held', reason: 'active_event' };
  if (service.lastSource === 'manual' && severityOf(target) < severityOf(service.stored)) {
    return { kind: 'held', reason: 'manual_override' };
  }
  return { kind: 'set', status: target };
}

/** The worst status per service of some firing alerts. */
export function worstPerService(alerts: Iterable<{ serviceId: string; status: ServiceStatus }>) {
  const worst = new Map<string, ServiceStatus>();
  for (const alert of alerts) {
    const current = worst.get(alert.serviceId);
    worst.set(alert.serviceId, current ? worseStatus(current, alert.status) : alert.status);
  }
  return worst;
}

/** The incident severity for the worst status of its services. */
export function incidentSeverity(statuses: Iterable<ServiceStatus>): Severity {
  const worst = worstStatusOf(statuses);
  if (worst === 'major_outage') return 'critical';
  if (worst === 'partial_outage') return 'major';
  return 'minor';
}

/** What an alert group's incident has (null: none open) and what its firing alerts ask. */
export interface IncidentState {
  /** Services in the event now. */
  inEvent: ReadonlySet<string>;
  /** The statuses the alerts last gave. */
  given: ReadonlyMap<string, ServiceStatus>;
}

export type IncidentPlan =
  | { kind: 'none' }
  | { kind: 'open'; services: Map<string, ServiceStatus> }
  | { kind: 'resolve' }
  | {
      kind: 'update';
      serviceUpdates: Map<string, ServiceStatus>;
      add: Map<string, ServiceStatus>;
      remove: string[];
    };

/**
 * The change an alert group's incident needs: open one when alerts fire and none is open;
 * resolve it when none fires any more; else follow the statuses (services the alerts no longer
 * name leave it; services a person added are left alone).
 */
export function planIncident(open: IncidentState | null, wanted: ReadonlyMap<string, ServiceStatus>): IncidentPlan {
  if (!open) return wanted.size > 0 ? { kind: 'open', services: new Map(wanted) } : { kind: 'none' };
  if (wanted.size === 0) return { kind: 'resolve' };
  const serviceUpdates = new Map<string, ServiceStatus>();
  const add = new Map<string, ServiceStatus>();
  for (const [serviceId, status] of wanted) {
    if (!open.inEvent.has(serviceId)) add.set(serviceId, status);
    else if (open.given.get(serviceId) !== status) serviceUpdates.set(serviceId, status);
  }
  const remove = [...open.given.keys()].filter((id) => !wanted.has(id) && open.inEvent.has(id));
  if (serviceUpdates.size === 0 && add.size === 0 && remove.length === 0) return { kind: 'none' };
  return { kind: 'update', serviceUpdates, add, remove };
}
