import type { EventStatus, ServiceStatus, Severity } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import type { Clock } from '../shared/clock';
import type { ServiceState } from './rules';

/**
 * What the integrations module needs from the catalog: services by slug, their state, and
 * status changes logged with source `webhook`. Declared here; the catalog implements it
 * (`catalog/integration-catalog.ts`) and createCore wires it.
 */
export interface IntegrationCatalog {
  /** The ids of the services with these slugs that are not archived (slug → id). */
  serviceIdsBySlugs(tx: Database, slugs: readonly string[]): Promise<Map<string, string>>;
  /** Locks service rows in id order (concurrent writers of the same services wait). */
  lockServices(tx: Database, ids: readonly string[]): Promise<void>;
  /** Stored status, active events and the latest log entry's source of services. */
  serviceStates(
    tx: Database,
    ids: readonly string[],
  ): Promise<Map<string, ServiceState & { slug: string; name: string }>>;
  /**
   * Sets stored statuses and logs each change at `at`: source `webhook`, the integration as its
   * author (`integration_id`), and `actorId` — the integration's creator — as `created_by`, which
   * the contract requires to be a user.
   */
  setStatusFromAlerts(
    tx: Database,
    changes: readonly { serviceId: string; oldStatus: ServiceStatus; newStatus: ServiceStatus; reason: string }[],
    integrationId: string,
    actorId: string | null,
    at: Date,
  ): Promise<void>;
}

/** The incident of an alert group as the events module shows it. */
export interface IncidentView {
  status: EventStatus;
  closed: boolean;
  serviceIds: readonly string[];
}

/**
 * What the integrations module needs from the events module: an incident per alert group,
 * opened, updated and resolved inside the transaction of the payload (createCore wires the
 * events use-cases over that transaction, so they nest in it).
 */
export interface IntegrationIncidents {
  /**
   * `actorId`: whom the event's records name as their author — the integration's creator, the
   * admin who set it up (the contract's `created_by` is a user id).
   */
  open(
    tx: Database,
    actorId: string | null,
    input: {
      title: string;
      description: string;
      severity: Severity;
      services: ReadonlyMap<string, ServiceStatus>;
      notify: boolean;
      templateId: string | null;
    },
  ): Promise<string>;
  get(tx: Database, eventId: string): Promise<IncidentView | null>;
  update(
    tx: Database,
    actorId: string | null,
    eventId: string,
    input: {
      status: EventStatus;
      message: string;
      notify: boolean;
      serviceUpdates: ReadonlyMap<string, ServiceStatus>;
      add: ReadonlyMap<string, ServiceStatus>;
      remove: readonly string[];
    },
  ): Promise<void>;
}

/** A template's title and body rendered for an incident (the templates module). */
export interface IntegrationTemplates {
  /** Null when the template no longer exists. */
  render(
    tx: Database,
    templateId: string,
    values: { serviceName: string; startedAt: Date },
  ): Promise<{ title: string; body: string } | null>;
  /** Fails (invalid, field template_id) unless the template exists. */
  assertExists(tx: Database, templateId: string): Promise<unknown>;
}

/** Everything the integrations use-cases are given by createCore. */
export interface IntegrationDeps {
  db: Database;
  clock: Clock;
  catalog: IntegrationCatalog;
  incidents: IntegrationIncidents;
  templates: IntegrationTemplates;
}
