import type { EventDeps, EventRow } from './ports';
import { findEvent, selectScheduledMaintenance } from './store';

// What the worker's scheduled maintenance calls besides transitionIfStatus.

/** Open maintenance with a start or end time (what the worker schedules and reconciles). */
export function listScheduledMaintenance({ db }: EventDeps): Promise<EventRow[]> {
  return selectScheduledMaintenance(db);
}

/**
 * Queues the reminder of a scheduled maintenance with notify_subscribers
 * that still starts at `scheduledStart`, once (keyed by event and start);
 * false when there is nothing (more) to send.
 */
export function remind(deps: EventDeps, eventId: string, scheduledStart: Date, text: string): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const event = await findEvent(tx, eventId, true);
    if (event?.status !== 'scheduled' || !event.notifySubscribers) return false;
    if (event.scheduledStartAt?.getTime() !== scheduledStart.getTime()) return false;
    return deps.notifier.reminder(tx, event, text, `reminder-${eventId}-${scheduledStart.getTime()}`);
  });
}
