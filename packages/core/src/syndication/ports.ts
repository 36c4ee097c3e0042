import type { Group, Service, StatusLogEntry } from '@statuspage/contracts';
import type { CancelledMaintenance, EventTimeline, TimelineFilter } from '../events';
import type { Clock } from '../shared/clock';

/** What the machine-readable views need of the page settings. */
export interface SyndicationPage {
  name: string;
  /** IANA time zone the page shows times in. */
  time_zone: string;
  /** When the settings last changed; null when never set. */
  updated_at: string | null;
}

/** What syndication reads of the catalog (implemented by the catalog's use-cases, wired by createCore). */
export interface SyndicationCatalog {
  /** Every service, archived ones included (past events name them), in display order. */
  services(): Promise<Service[]>;
  /** The groups that are not archived, in display order. */
  groups(): Promise<Group[]>;
  /** The status changes these events caused, oldest first, each at the time of its timeline entry. */
  eventStatusChanges(eventIds: readonly string[]): Promise<StatusLogEntry[]>;
}

/** What syndication reads of the events (implemented by the events use-cases, wired by createCore). */
export interface SyndicationEvents {
  timelines(filter: TimelineFilter): Promise<EventTimeline[]>;
  cancellations(serviceId?: string): Promise<CancelledMaintenance[]>;
  lastChange(): Promise<Date | null>;
}

/** Everything the syndication use-cases are given by createCore. */
export interface SyndicationDeps {
  /** The public page's base URL: every link is absolute. */
  baseUrl: string;
  clock: Clock;
  page(): Promise<SyndicationPage>;
  /** A stable id of this page (the installation's id). */
  pageId(): Promise<string>;
  catalog: SyndicationCatalog;
  events: SyndicationEvents;
}
