import { randomUUID } from 'node:crypto';
import type { AddEventUpdateInput, EventStatus, EventUpdate, ServiceStatus } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { assertServicesUsable, expandGroups, logStatusChanges } from './composition';
import { EventErrors } from './errors';
import type { EventDeps, EventRow } from './ports';
import { assertCompositionChange, assertStatusOfType, assertUniqueInUpdate, isClosedStatus, keepUsable } from './rules';
import {
  addEventGroups,
  addEventServices,
  type ChangeRow,
  eventServiceIds,
  findEvent,
  insertChanges,
  insertUpdate,
  removeEventServices,
  requireEvent,
  servicesInActiveEvents,
  setEventServiceStatus,
  updateEvent,
} from './store';
import { toUpdateDto } from './views';

/**
 * Appends an update to the timeline and applies its composition changes in
 * one transaction, recorded as one batch. Closing (resolved/completed)
 * returns services without another active event to operational.
 */
export function postUpdate(deps: EventDeps, actorId: string | null, input: AddEventUpdateInput): Promise<EventUpdate> {
  assertUniqueInUpdate(input);
  return deps.db.transaction(async (tx) => {
    const event = await requireEvent(tx, input.id, true);
    return applyUpdate(deps, tx, event, actorId, input);
  });
}

/**
 * An automatic transition (scheduled maintenance): exactly what postUpdate
 * does, without an author, but only while the event — locked — still has
 * status `from`. Returns null, changing nothing, when it does not: a
 * manual transition in the meantime wins, and racing workers transition once.
 */
export function transitionIfStatus(
  deps: EventDeps,
  eventId: string,
  from: EventStatus,
  to: EventStatus,
  message: string,
): Promise<{ update: EventUpdate; event: EventRow } | null> {
  return deps.db.transaction(async (tx) => {
    const event = await findEvent(tx, eventId, true);
    if (event?.status !== from) return null;
    const update = await applyUpdate(deps, tx, event, null, {
      id: eventId,
      status: to,
      message,
      notify_subscribers: event.notifySubscribers,
      service_updates: [],
      add_services: [],
      add_groups: [],
      remove_service_ids: [],
    });
    return { update, event };
  });
}

/** On close: services of the event with no other active event get stored status operational. */
async function restoreOperational(
  deps: EventDeps,
  tx: Database,
  eventId: string,
  serviceIds: readonly string[],
  now: Date,
) {
  if (serviceIds.length === 0) return;
  const busy = new Set(await servicesInActiveEvents(tx, serviceIds, eventId));
  const free = serviceIds.filter((id) => !busy.has(id));
  if (free.length === 0) return;
  await deps.catalog.setStoredStatus(tx, free, 'operational', now);
}

/** The body of an update, inside its transaction, on the event row locked by the caller. */
async function applyUpdate(
  deps: EventDeps,
  tx: Database,
  event: EventRow,
  actorId: string | null,
  input: AddEventUpdateInput,
): Promise<EventUpdate> {
  const { catalog } = deps;
  const now = deps.clock();
  if (isClosedStatus(event.status)) throw EventErrors.closed(event.status);
  assertStatusOfType(event.type, input.status);

  const inEvent = new Set(await eventServiceIds(tx, event.id));
  assertCompositionChange(inEvent, input);
  const removing = new Set(input.remove_service_ids);
  const addIds = input.add_services.map((service) => service.service_id);
  await assertServicesUsable(catalog, tx, 'add_services', addIds);
  const fromGroups = await expandGroups(catalog, tx, 'add_groups', input.add_groups);
  const usable = await catalog.lockServices(tx, [...new Set([...inEvent, ...fromGroups.keys(), ...addIds])]);
  // Services already in the event may be archived (archiving is allowed during a scheduled maintenance).
  keepUsable(new Set([...usable, ...inEvent]), 'add_services', addIds, fromGroups);
  const added = new Map<string, ServiceStatus>();
  for (const [serviceId, status] of fromGroups) {
    // Services already in the event keep their status; an explicit status wins over a group's.
    if (!inEvent.has(serviceId) || removing.has(serviceId)) added.set(serviceId, status);
  }
  for (const service of input.add_services) added.set(service.service_id, service.status);
  for (const serviceId of added.keys()) removing.delete(serviceId);

  const involved = [...new Set([...inEvent, ...added.keys()])];
  const before = await catalog.statusSnapshot(tx, involved);

  for (const service of input.service_updates) {
    await setEventServiceStatus(tx, event.id, service.service_id, service.status);
  }
  await removeEventServices(tx, event.id, [...removing]);
  await addEventServices(tx, event.id, added, now, 'update');
  await addEventGroups(
    tx,
    event.id,
    input.add_groups.map((group) => group.group_id),
    now,
    true,
  );

  const batchId = randomUUID();
  const reason = input.reason ?? '';
  const changes: ChangeRow[] = [
    ...input.add_groups.map((group) => ({ groupId: group.group_id, action: 'added' as const })),
    ...[...added.keys()].map((serviceId) => ({ serviceId, action: 'added' as const })),
    ...[...removing].map((serviceId) => ({ serviceId, action: 'removed' as const })),
  ].map((change) => ({ ...change, eventId: event.id, batchId, reason, createdBy: actorId, createdAt: now }));
  await insertChanges(tx, changes);

  const update = await insertUpdate(tx, {
    eventId: event.id,
    status: input.status,
    message: input.message,
    notifySubscribers: input.notify_subscribers,
    createdBy: actorId,
    createdAt: now,
  });

  const closing = isClosedStatus(input.status);
  await updateEvent(tx, event.id, {
    status: input.status,
    updatedAt: now,
    ...(event.startedAt === null && input.status !== 'scheduled' ? { startedAt: now } : {}),
    ...(closing ? { resolvedAt: now } : {}),
  });
  // A maintenance closed before it started never affected its services: their stored status stays.
  if (closing && event.status !== 'scheduled') {
    const remaining = involved.filter((id) => !removing.has(id));
    await restoreOperational(deps, tx, event.id, remaining, now);
  }
  const after = await catalog.statusSnapshot(tx, involved);
  await logStatusChanges(
    catalog,
    tx,
    before,
    after,
    {
      eventId: event.id,
      actorId,
      reason: input.reason ?? `event ${input.status}: ${input.message}`.slice(0, 500),
    },
    now,
  );
  const updated = await findEvent(tx, event.id);
  if (updated) {
    await deps.notifier.updated(
      tx,
      updated,
      { status: input.status, message: input.message, notify: input.notify_subscribers },
      [...added.keys()],
    );
  }
  return toUpdateDto(update);
}
