import type { Database } from '@statuspage/db';
import type { Clock } from '../shared/clock';

/**
 * What the catalog module needs from the events module: archiving is refused
 * for services and groups in an active event. Declared here; the events
 * module implements it and createCore wires it.
 */
export interface CatalogEvents {
  /** Of these services, those in an active event. */
  servicesInActiveEvents(tx: Database, serviceIds: readonly string[]): Promise<string[]>;
  /** Whether the group was selected for an event that is active. */
  groupInActiveEvent(tx: Database, groupId: string): Promise<boolean>;
}

/** Everything the catalog use-cases are given by createCore. */
export interface CatalogDeps {
  db: Database;
  clock: Clock;
  events: CatalogEvents;
}
