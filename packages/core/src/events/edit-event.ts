import type { Event, UpdateEventInput } from '@statuspage/contracts';
import { writeOutbox } from '../outbox/write';
import { changedColumns } from '../shared/patch';
import { EventErrors } from './errors';
import type { EventDeps } from './ports';
import { eventView } from './reads';
import { assertScheduleOrder, isClosedStatus, isScheduledMaintenance } from './rules';
import { requireEvent, updateEvent } from './store';

/**
 * Changes an open event's title, description or scheduled times (end after
 * start); a maintenance whose times moved gets its jobs rescheduled and its
 * reschedule count (calendars' SEQUENCE) one higher.
 * Changing nothing writes nothing.
 */
export function editEvent(deps: EventDeps, input: UpdateEventInput): Promise<Event> {
  const now = deps.clock();
  return deps.db.transaction(async (tx) => {
    const event = await requireEvent(tx, input.id, true);
    if (isClosedStatus(event.status)) throw EventErrors.closed(event.status);
    const scheduling = input.scheduled_start_at !== undefined || input.scheduled_end_at !== undefined;
    if (scheduling && event.type !== 'maintenance') {
      throw EventErrors.invalid(
        input.scheduled_start_at !== undefined ? 'scheduled_start_at' : 'scheduled_end_at',
        'only maintenance can be scheduled',
      );
    }
    const start = input.scheduled_start_at ? new Date(input.scheduled_start_at) : event.scheduledStartAt;
    const end = input.scheduled_end_at ? new Date(input.scheduled_end_at) : event.scheduledEndAt;
    assertScheduleOrder(start, end);
    const changed = changedColumns(event, {
      title: input.title,
      description: input.description,
      scheduledStartAt: start,
      scheduledEndAt: end,
    });
    if (Object.keys(changed).length === 0) return eventView(tx, event.id);
    const moved =
      start?.getTime() !== event.scheduledStartAt?.getTime() || end?.getTime() !== event.scheduledEndAt?.getTime();
    const updated = await updateEvent(tx, event.id, {
      ...changed,
      ...(moved ? { rescheduleCount: event.rescheduleCount + 1 } : {}),
      updatedAt: now,
    });
    if (updated && moved && isScheduledMaintenance(updated)) {
      await writeOutbox(tx, 'maintenance.schedule', { event_id: event.id });
    }
    return eventView(tx, event.id);
  });
}
