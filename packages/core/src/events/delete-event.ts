import { writeOutbox } from '../outbox/write';
import { EventErrors } from './errors';
import type { EventDeps } from './ports';
import { isDeletable, isScheduledMaintenance } from './rules';
import { deleteEventRow, requireEvent } from './store';

/**
 * Deletes an event that is not active (closed, or maintenance not started)
 * with its timeline, links, history and the status-log entries it caused;
 * service statuses stay as they are.
 */
export async function deleteEvent(deps: EventDeps, id: string) {
  await deps.db.transaction(async (tx) => {
    const event = await requireEvent(tx, id, true);
    if (!isDeletable(event.status)) throw EventErrors.deleteActive();
    await deps.notifier.deleting(tx, event);
    // Its status-log entries go with it (the catalog keeps the log's rollup in step).
    await deps.catalog.deleteStatusLogOf(tx, id);
    await deleteEventRow(tx, id);
    // Its pending jobs go: the worker finds the event gone.
    if (event.status === 'scheduled' && isScheduledMaintenance(event)) {
      await writeOutbox(tx, 'maintenance.schedule', { event_id: event.id });
    }
  });
}
