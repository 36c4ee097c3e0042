import { writeOutbox } from '../outbox/write';
import { EventErrors } from './errors';
import type { EventDeps } from './ports';
import { CANCELLATION_KEPT_DAYS, isDeletable, isScheduledMaintenance, wasCancelled } from './rules';
import { deleteEventRow, eventServiceIds, keepCancellation, purgeCancellations, requireEvent } from './store';

/**
 * Deletes an event that is not active (closed, or maintenance not started)
 * with its timeline, links, history and the status-log entries it caused;
 * service statuses stay as they are. A maintenance that had not started
 * leaves a cancellation record for calendars (30 days), read by nothing else.
 */
export async function deleteEvent(deps: EventDeps, id: string) {
  const now = deps.clock();
  await deps.db.transaction(async (tx) => {
    const event = await requireEvent(tx, id, true);
    if (!isDeletable(event.status)) throw EventErrors.deleteActive();
    await deps.notifier.deleting(tx, event);
    // Its status-log entries go with it (the catalog keeps the log's rollup in step).
    await deps.catalog.deleteStatusLogOf(tx, id);
    await purgeCancellations(tx, new Date(now.getTime() - CANCELLATION_KEPT_DAYS * 86_400_000));
    if (wasCancelled(event)) {
      await keepCancellation(tx, {
        eventId: event.id,
        title: event.title,
        description: event.description,
        scheduledStartAt: event.scheduledStartAt,
        scheduledEndAt: event.scheduledEndAt,
        sequence: event.rescheduleCount + 1,
        serviceIds: await eventServiceIds(tx, event.id),
        createdAt: event.createdAt,
        cancelledAt: now,
      });
    }
    await deleteEventRow(tx, id);
    // Its pending jobs go: the worker finds the event gone.
    if (event.status === 'scheduled' && isScheduledMaintenance(event)) {
      await writeOutbox(tx, 'maintenance.schedule', { event_id: event.id });
    }
  });
}
