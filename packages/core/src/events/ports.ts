import type { Database, events } from '@statuspage/db';

export type EventRow = typeof events.$inferSelect;

/**
 * What the events module tells the notifications module, inside the
 * transaction of the event write. Declared here (by its consumer); the
 * notifications module implements it and createCore wires it.
 */
export interface EventNotifier {
  /** A new event: fixes its subscriber set; with notify_subscribers, queues the first message. */
  opened(tx: Database, event: EventRow): Promise<void>;
  /** An update: services added bring their subscribers; queues a message when asked to (or on closing). */
  updated(
    tx: Database,
    event: EventRow,
    update: { status: string; message: string; notify: boolean },
    addedServiceIds: readonly string[],
  ): Promise<void>;
  /** A scheduled maintenance about to start: a reminder, once per dedupe key; false when already queued. */
  reminder(tx: Database, event: EventRow, text: string, dedupeKey: string): Promise<boolean>;
  /** An event about to be deleted: a maintenance that has not started is announced as cancelled. */
  deleting(tx: Database, event: EventRow): Promise<void>;
}
