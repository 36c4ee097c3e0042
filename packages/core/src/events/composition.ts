import type { ServiceStatus } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { EventErrors } from './errors';
import type { EventCatalog } from './ports';
import { groupStatuses, type StatusSnapshot, statusChanges } from './rules';

// The services of an event write, through the catalog port: which exist, which groups expand to,
// how their statuses moved.

/** Fails unless every id names a service that exists and is not archived. */
export async function assertServicesUsable(catalog: EventCatalog, tx: Database, field: string, ids: readonly string[]) {
  if (ids.length === 0) return;
  const missing = await catalog.unusableServices(tx, ids);
  if (missing.length > 0) {
    throw EventErrors.invalid(field, `unknown or archived service ids: ${missing.join(', ')}`);
  }
}

/**
 * Expands groups into their (non-archived) services, each with the group's
 * status; a service in several of the listed groups gets the worst status.
 * Unknown or archived groups fail, naming them.
 */
export async function expandGroups(
  catalog: EventCatalog,
  tx: Database,
  field: string,
  groups: readonly { group_id: string; status: ServiceStatus }[],
): Promise<Map<string, ServiceStatus>> {
  if (groups.length === 0) return new Map();
  const { missing, members } = await catalog.resolveGroups(
    tx,
    groups.map((group) => group.group_id),
  );
  if (missing.length > 0) throw EventErrors.invalid(field, `unknown or archived group ids: ${missing.join(', ')}`);
  return groupStatuses(groups, members);
}

/**
 * Writes a status-log entry (source `event`) for every service whose
 * effective status changed — or, where that did not change, whose stored
 * status did — between the two snapshots.
 */
export async function logStatusChanges(
  catalog: EventCatalog,
  tx: Database,
  before: ReadonlyMap<string, StatusSnapshot>,
  after: ReadonlyMap<string, StatusSnapshot>,
  entry: { eventId: string; actorId: string | null; reason: string },
  at: Date,
) {
  const changes = statusChanges(before, after);
  if (changes.length > 0)
    await catalog.writeStatusLog(
      tx,
      changes.map((change) => ({ ...change, ...entry })),
      at,
    );
}
