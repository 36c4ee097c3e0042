import type { ServiceStatus } from '@statuspage/contracts';
import type { Database, events } from '@statuspage/db';
import type { Clock } from '../shared/clock';
import type { StatusChange, StatusSnapshot } from './rules';

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

/**
 * What the events module needs from the catalog module (services and groups,
 * their statuses and the status log), inside the transaction of the event
 * write. Declared here; the catalog implements it and createCore wires it.
 */
export interface EventCatalog {
  /** Of these ids, those that do not name a service that exists and is not archived. */
  unusableServices(tx: Database, ids: readonly string[]): Promise<string[]>;
  /**
   * The groups' members that are not archived; `missing` lists the ids that do
   * not name a group that exists and is not archived.
   */
  resolveGroups(
    tx: Database,
    groupIds: readonly string[],
  ): Promise<{ missing: string[]; members: { groupId: string; serviceId: string }[] }>;
  /**
   * Locks service rows (in id order, so concurrent event writes cannot deadlock)
   * and returns the ids of those that are not archived, read under the lock.
   */
  lockServices(tx: Database, ids: readonly string[]): Promise<Set<string>>;
  /** Stored and effective status of services, archived ones included. */
  statusSnapshot(tx: Database, ids: readonly string[]): Promise<Map<string, StatusSnapshot>>;
  /** Sets the stored status of those of the services that have another one. */
  setStoredStatus(tx: Database, ids: readonly string[], status: ServiceStatus, now: Date): Promise<void>;
  /** Appends entries (source `event`) to the status log, made at `at` (and keeps its rollup current). */
  writeStatusLog(
    tx: Database,
    entries: readonly (StatusChange & { eventId: string; reason: string; actorId: string | null })[],
    at: Date,
  ): Promise<void>;
  /** Deletes the status-log entries the event caused (and keeps the log's rollup current). */
  deleteStatusLogOf(tx: Database, eventId: string): Promise<void>;
  /** The id of the service with this slug (archived ones included), or undefined. */
  serviceIdBySlug(tx: Database, slug: string): Promise<string | undefined>;
}

/** Everything the events use-cases are given by createCore. */
export interface EventDeps {
  db: Database;
  clock: Clock;
  /** Fails (invalid, field template_id) unless the template exists; provided by the templates module. */
  assertTemplateExists(tx: Database, id: string): Promise<unknown>;
  /** Subscriber sets and messages (the notifications module). */
  notifier: EventNotifier;
  /** Services, groups, their statuses and the status log (the catalog module). */
  catalog: EventCatalog;
}
