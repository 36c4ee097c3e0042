import { randomUUID } from 'node:crypto';
import type { CreateEventInput, Event } from '@statuspage/contracts';
import { writeOutbox } from '../outbox/write';
import { assertServicesUsable, expandGroups, logStatusChanges } from './composition';
import { EventErrors } from './errors';
import type { EventDeps } from './ports';
import { eventView } from './reads';
import {
  assertStatusOfType,
  assertUniqueInOpen,
  closingStatusOf,
  isClosedStatus,
  isScheduledMaintenance,
  keepUsable,
  validateTimes,
} from './rules';
import { addEventGroups, addEventServices, type ChangeRow, insertChanges, insertEvent, insertUpdate } from './store';

/**
 * Opens an incident or a maintenance on services (explicitly, or through
 * groups expanded now; an explicit status wins over a group's). Past
 * events (started_at and resolved_at given) are created closed and do not
 * touch service statuses. Status changes it causes are logged.
 */
export async function openEvent(deps: EventDeps, actorId: string | null, input: CreateEventInput): Promise<Event> {
  const { db, catalog } = deps;
  const now = deps.clock();
  assertStatusOfType(input.type, input.status);
  if (input.type === 'incident' && !input.severity) {
    throw EventErrors.invalid('severity', 'severity is required for incidents');
  }
  const times = validateTimes(input, now);
  const closed = Boolean(times.resolvedAt) || isClosedStatus(input.status);
  const status = times.resolvedAt ? closingStatusOf(input.type) : input.status;
  const startedAt = times.startedAt ?? (status === 'scheduled' ? null : now);
  const resolvedAt = closed ? (times.resolvedAt ?? now) : null;

  assertUniqueInOpen(input);

  return db.transaction(async (tx) => {
    if (input.template_id) await deps.assertTemplateExists(tx, input.template_id);
    const explicitIds = input.affected_services.map((service) => service.service_id);
    await assertServicesUsable(catalog, tx, 'affected_services', explicitIds);
    const statuses = await expandGroups(catalog, tx, 'affected_groups', input.affected_groups);
    const usable = await catalog.lockServices(tx, [...new Set([...statuses.keys(), ...explicitIds])]);
    keepUsable(usable, 'affected_services', explicitIds, statuses);
    for (const service of input.affected_services) statuses.set(service.service_id, service.status);
    const serviceIds = [...statuses.keys()];

    const before = await catalog.statusSnapshot(tx, serviceIds);
    const event = await insertEvent(tx, {
      title: input.title,
      type: input.type,
      status,
      severity: input.severity ?? null,
      description: input.description,
      startedAt,
      resolvedAt,
      scheduledStartAt: times.scheduledStart ?? null,
      scheduledEndAt: times.scheduledEnd ?? null,
      notifySubscribers: input.notify_subscribers,
      templateId: input.template_id ?? null,
      createdBy: actorId,
      createdAt: now,
      updatedAt: now,
    });
    await addEventServices(tx, event.id, statuses, now, 'fail');
    await addEventGroups(
      tx,
      event.id,
      input.affected_groups.map((group) => group.group_id),
      now,
      false,
    );
    const batchId = randomUUID();
    const changes: ChangeRow[] = [
      ...input.affected_groups.map((group) => ({ groupId: group.group_id })),
      ...serviceIds.map((serviceId) => ({ serviceId })),
    ].map((target) => ({
      ...target,
      eventId: event.id,
      batchId,
      action: 'added' as const,
      reason: '',
      createdBy: actorId,
      createdAt: now,
    }));
    await insertChanges(tx, changes);
    await insertUpdate(tx, {
      eventId: event.id,
      status,
      message: input.description.trim() || input.title,
      notifySubscribers: input.notify_subscribers,
      createdBy: actorId,
      createdAt: now,
    });
    const after = await catalog.statusSnapshot(tx, serviceIds);
    await logStatusChanges(
      catalog,
      tx,
      before,
      after,
      {
        eventId: event.id,
        actorId,
        reason: `event opened: ${input.title}`,
      },
      now,
    );
    // A past event is history: nobody is told about it.
    if (!closed) await deps.notifier.opened(tx, event);
    if (!closed && isScheduledMaintenance(event)) {
      await writeOutbox(tx, 'maintenance.schedule', { event_id: event.id });
    }
    return eventView(tx, event.id);
  });
}
