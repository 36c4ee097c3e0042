import type { ServiceStatus } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import type { Clock } from '../shared/clock';

/** A service as uptime needs it: what it shows now and since when. */
export interface UptimeService {
  id: string;
  /** Its effective status now. */
  status: ServiceStatus;
  /**
   * When that status began: its latest status-log entry (or its creation). Its history begins
   * with its first entry: the rollup has nothing before it, so earlier days have no data.
   */
  since: Date;
}

/**
 * What the uptime module needs from the catalog module, which owns the status log and its
 * per-day rollup. Declared here; the catalog implements it and createCore wires it.
 */
export interface UptimeCatalog {
  /** The services, in display order: these ids (archived ones included), or all that are not archived. */
  services(db: Database, ids?: readonly string[]): Promise<UptimeService[]>;
  /** Makes sure the rollup is kept for this time zone (building it from the log the first time). */
  prepareTimeZone(db: Database, timeZone: string): Promise<void>;
  /** Whether the rollup is kept for this time zone (a read: what a read replica can answer). */
  timeZoneKept(db: Database, timeZone: string): Promise<boolean>;
  /**
   * The rollup of these services for the local days from `from` to `to` of the time zone: per
   * service that has any, its closed-interval time as packed durations (see `addIntervalPacked`
   * in rules.ts: per day from `from`, milliseconds per status in the order of severity).
   */
  dayDurations(
    db: Database,
    query: { timeZone: string; from: string; to: string; serviceIds: readonly string[] },
  ): Promise<Map<string, Float64Array>>;
}

/** An event's time on a service: from its start to its end (null while open). */
export interface ServiceEventSpan {
  eventId: string;
  serviceId: string;
  startedAt: Date;
  endedAt: Date | null;
}

/** What the uptime module needs from the events module. Declared here; events implements it. */
export interface UptimeEvents {
  /** Incidents and maintenance (started) on these services (every service: undefined) that overlap [from, to). */
  spans(db: Database, serviceIds: readonly string[] | undefined, from: Date, to: Date): Promise<ServiceEventSpan[]>;
}

/** Everything the uptime use-cases are given by createCore. */
export interface UptimeDeps {
  db: Database;
  /**
   * The primary, when `db` is a read replica: a time zone's rollup is built there (a write), and
   * the read that needed it is answered there too, until the replica has the new rows.
   */
  primary?: Database;
  clock: Clock;
  catalog: UptimeCatalog;
  events: UptimeEvents;
}
