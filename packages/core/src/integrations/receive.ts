import { timingSafeEqual } from 'node:crypto';
import type {
  AlertmanagerWebhookInput,
  AlertsReceived,
  EventStatus,
  GenericWebhookInput,
  GrafanaWebhookInput,
  IntegrationKind,
  ServiceStatus,
} from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { hashToken } from '../shared/crypto';
import { IntegrationErrors } from './errors';
import type { IntegrationDeps } from './ports';
import {
  alertChanged,
  decideServiceStatus,
  endpointPath,
  type IgnoredReason,
  type IncidentState,
  incidentSeverity,
  planIncident,
  type ReceivedAlert,
  readGenericAlert,
  readWebhookAlerts,
  serviceSlugOf,
  worstPerService,
} from './rules';
import {
  type AlertRow,
  deleteIncident,
  findIncident,
  findIntegration,
  type IntegrationRow,
  saveIncident,
  selectAlerts,
  selectFiringOfGroup,
  selectFiringOnServices,
  upsertAlert,
} from './store';

/** A payload as an endpoint received it: which endpoint, the integration, the secret sent. */
export type AlertDelivery =
  | { endpoint: 'alertmanager'; payload: AlertmanagerWebhookInput }
  | { endpoint: 'grafana'; payload: GrafanaWebhookInput }
  | { endpoint: 'generic'; payload: GenericWebhookInput };

/** What a payload did, for its answer and the metrics. */
export type AlertsOutcome = AlertsReceived & { integration_id: string };

function sameSecret(secret: string, hash: string) {
  const left = Buffer.from(hashToken(secret));
  const right = Buffer.from(hash);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The integration the secret opens; unauthenticated for an unknown id or a wrong secret alike. */
async function authenticate(deps: IntegrationDeps, id: string, secret: string | null, endpoint: IntegrationKind) {
  const row = await findIntegration(deps.db, id);
  if (!row || !secret || !sameSecret(secret, row.secretHash)) throw IntegrationErrors.unauthenticated();
  if (row.kind !== endpoint) throw IntegrationErrors.wrongEndpoint(row.kind, endpointPath(row.id, row.kind));
  return row;
}

function readAlerts(row: IntegrationRow, delivery: AlertDelivery): ReceivedAlert[] {
  const mapping = {
    serviceLabel: row.serviceLabel,
    serviceMap: row.serviceMap,
    severityMap: row.severityMap,
    defaultStatus: row.defaultStatus,
  };
  if (delivery.endpoint === 'generic') return [readGenericAlert(delivery.payload)];
  const read = readWebhookAlerts(delivery.payload, mapping);
  if ('invalidAt' in read) {
    throw IntegrationErrors.invalidAlert(`alerts.${read.invalidAt}.startsAt`, 'must be an RFC 3339 time');
  }
  // A payload naming one alert twice: the last one counts.
  const unique = new Map<string, ReceivedAlert>();
  for (const alert of read.alerts) unique.set(`${alert.fingerprint}\n${alert.startsAt.toISOString()}`, alert);
  return [...unique.values()];
}

const alertKey = (fingerprint: string, startsAt: Date) => `${fingerprint}\n${startsAt.toISOString()}`;

/** One line naming what changed, for the status log and the incident's timeline. */
function describe(alerts: readonly { firing: boolean; summary: string }[]) {
  const first = alerts[0];
  if (!first) return '';
  const more = alerts.length > 1 ? ` (and ${alerts.length - 1} more)` : '';
  return `alert ${first.firing ? 'firing' : 'resolved'}: ${first.summary}${more}`.slice(0, 500);
}

/**
 * Receives a payload: authenticates it by the integration's secret, records each alert (a
 * resend of a known state changes nothing), then moves the services its alerts name — each to
 * the worst status of its firing alerts, operational when none fires (decideServiceStatus) — or,
 * for an integration that opens incidents, opens, follows and resolves each alert group's
 * incident. One transaction: the answer is sent only once all of it is committed.
 */
export async function receiveAlerts(
  deps: IntegrationDeps,
  id: string,
  secret: string | null,
  delivery: AlertDelivery,
): Promise<AlertsOutcome> {
  const authenticated = await authenticate(deps, id, secret, delivery.endpoint);
  const received = readAlerts(authenticated, delivery);
  return deps.db.transaction(async (tx) => {
    // Payloads of one integration are applied one at a time (Alertmanager sends groups in parallel).
    const row = await findIntegration(tx, id, true);
    // Deleted or rotated since the secret was checked: the secret no longer opens it.
    if (row?.secretHash !== authenticated.secretHash) throw IntegrationErrors.unauthenticated();
    const now = deps.clock();
    const ignored: Partial<Record<IgnoredReason, number>> = {};
    const ignore = (reason: IgnoredReason) => {
      ignored[reason] = (ignored[reason] ?? 0) + 1;
    };

    const slugs = new Map(
      received
        .filter((alert) => alert.serviceKey !== null)
        .map((alert) => [alert, serviceSlugOf(alert.serviceKey as string, row)]),
    );
    const ids = await deps.catalog.serviceIdsBySlugs(tx, [...new Set(slugs.values())]);
    const stored = new Map(
      (await selectAlerts(tx, row.id, [...new Set(received.map((alert) => alert.fingerprint))])).map((alert) => [
        alertKey(alert.fingerprint, alert.startsAt),
        alert,
      ]),
    );

    const changed: Changed = [];
    const left = new Set<string>();
    const leftGroups = new Set<string>();
    for (const alert of received) {
      const slug = slugs.get(alert);
      const serviceId = slug === undefined ? null : (ids.get(slug) ?? null);
      const reason: IgnoredReason | null =
        alert.serviceKey === null ? 'no_service_label' : serviceId === null ? 'unknown_service' : null;
      const before = stored.get(alertKey(alert.fingerprint, alert.startsAt));
      const state = { firing: alert.firing, status: reason ? null : alert.status, serviceId };
      const isNew = alertChanged(before, state);
      if (isNew) {
        await upsertAlert(tx, {
          integrationId: row.id,
          fingerprint: alert.fingerprint,
          startsAt: alert.startsAt,
          groupKey: alert.groupKey,
          firing: alert.firing,
          serviceId,
          status: state.status,
          ignored: reason,
          labels: alert.labels,
          summary: alert.summary,
          receivedAt: now,
          resolvedAt: alert.firing ? null : now,
        });
        if (!reason) changed.push({ ...alert, serviceId, before });
        // An alert that named a service and names none now no longer counts there.
        else if (before?.serviceId) {
          left.add(before.serviceId);
          leftGroups.add(before.groupKey);
        }
      }
      if (reason) ignore(reason);
      else if (!isNew) ignore('duplicate');
    }

    const result = row.openIncidents
      ? await followIncidents(deps, tx, row, changed, leftGroups)
      : await moveServices(deps, tx, row, changed, left, now);
    for (let i = 0; i < result.held; i++) ignore('status_held');
    return {
      integration_id: row.id,
      received: received.length,
      applied: changed.length - result.held,
      ignored,
      changed_services: result.changedServices,
    };
  });
}

type Changed = (ReceivedAlert & { serviceId: string | null; before: AlertRow | undefined })[];

/** Direct mode: each service the changed alerts touch takes the worst status of its firing alerts. */
async function moveServices(
  deps: IntegrationDeps,
  tx: Database,
  row: IntegrationRow,
  changed: Changed,
  left: ReadonlySet<string>,
  now: Date,
) {
  const touched = new Set<string>(left);
  for (const alert of changed) {
    if (alert.serviceId) touched.add(alert.serviceId);
    if (alert.before?.serviceId) touched.add(alert.before.serviceId);
  }
  const serviceIds = [...touched].sort();
  if (serviceIds.length === 0) return { held: 0, changedServices: [] as string[] };
  await deps.catalog.lockServices(tx, serviceIds);
  const states = await deps.catalog.serviceStates(tx, serviceIds);
  const firing = new Map<string, ServiceStatus[]>();
  for (const alert of await selectFiringOnServices(tx, serviceIds)) {
    firing.set(alert.serviceId, [...(firing.get(alert.serviceId) ?? []), alert.status]);
  }
  let held = 0;
  const changes: { serviceId: string; oldStatus: ServiceStatus; newStatus: ServiceStatus; reason: string }[] = [];
  const changedServices: string[] = [];
  for (const serviceId of serviceIds) {
    const state = states.get(serviceId);
    if (!state) continue;
    const decision = decideServiceStatus(state, firing.get(serviceId) ?? []);
    const alerts = changed.filter((alert) => alert.serviceId === serviceId);
    if (decision.kind === 'held') held += alerts.length;
    if (decision.kind !== 'set') continue;
    changes.push({ serviceId, oldStatus: state.stored, newStatus: decision.status, reason: describe(alerts) });
    changedServices.push(state.slug);
  }
  await deps.catalog.setStatusFromAlerts(tx, changes, row.id, row.createdBy, now);
  return { held, changedServices };
}

/** Incident mode: each alert group the changed alerts belong to has its incident opened, followed or resolved. */
async function followIncidents(
  deps: IntegrationDeps,
  tx: Database,
  row: IntegrationRow,
  changed: Changed,
  leftGroups: ReadonlySet<string>,
) {
  const groups = [...new Set([...changed.map((alert) => alert.groupKey), ...leftGroups])].sort();
  const changedServices = new Set<string>();
  const touchedIds = new Set<string>();
  for (const groupKey of groups) {
    const link = await findIncident(tx, row.id, groupKey);
    let open: (IncidentState & { eventId: string; status: EventStatus }) | null = null;
    if (link) {
      const view = await deps.incidents.get(tx, link.eventId);
      if (view && !view.closed) {
        open = {
          eventId: link.eventId,
          status: view.status,
          inEvent: new Set(view.serviceIds),
          given: new Map(Object.entries(link.services) as [string, ServiceStatus][]),
        };
      } else {
        // Closed by a person (or deleted): the next firing alert opens a new incident.
        await deleteIncident(tx, row.id, groupKey);
      }
    }
    const firing = await selectFiringOfGroup(tx, row.id, groupKey);
    const wanted = worstPerService(firing);
    const plan = planIncident(open, wanted);
    const message = firing.length > 0 ? firing.map((alert) => alert.summary).join('\n') : 'All alerts resolved.';
    if (plan.kind === 'none') continue;
    if (plan.kind === 'open') {
      const names = await deps.catalog.serviceStates(tx, [...plan.services.keys()]);
      const serviceName = [...names.values()].map((service) => service.name).join(', ');
      const startedAt = firing[0]?.startsAt ?? deps.clock();
      const rendered = row.templateId
        ? await deps.templates.render(tx, row.templateId, { serviceName, startedAt })
        : null;
      const eventId = await deps.incidents.open(tx, row.createdBy, {
        title: (rendered?.title.trim() || firing[0]?.summary || `Alerts on ${serviceName}`).slice(0, 500),
        description: rendered?.body.trim() || message,
        severity: incidentSeverity(plan.services.values()),
        services: plan.services,
        notify: row.notifySubscribers,
        templateId: rendered ? row.templateId : null,
      });
      await saveIncident(tx, { integrationId: row.id, groupKey, eventId, services: Object.fromEntries(wanted) });
      for (const id of plan.services.keys()) touchedIds.add(id);
      continue;
    }
    if (!open) continue;
    if (plan.kind === 'resolve') {
      await deps.incidents.update(tx, row.createdBy, open.eventId, {
        status: 'resolved',
        message,
        notify: row.notifySubscribers,
        serviceUpdates: new Map(),
        add: new Map(),
        remove: [],
      });
      await deleteIncident(tx, row.id, groupKey);
      for (const id of open.given.keys()) touchedIds.add(id);
      continue;
    }
    await deps.incidents.update(tx, row.createdBy, open.eventId, {
      status: open.status,
      message,
      notify: row.notifySubscribers,
      serviceUpdates: plan.serviceUpdates,
      add: plan.add,
      remove: plan.remove,
    });
    await saveIncident(tx, {
      integrationId: row.id,
      groupKey,
      eventId: open.eventId,
      services: Object.fromEntries(wanted),
    });
    for (const id of [...plan.serviceUpdates.keys(), ...plan.add.keys(), ...plan.remove]) touchedIds.add(id);
  }
  const states = await deps.catalog.serviceStates(tx, [...touchedIds]);
  for (const state of states.values()) changedServices.add(state.slug);
  return { held: 0, changedServices: [...changedServices].sort() };
}
