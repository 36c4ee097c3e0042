import type { ServiceStatus } from '@statuspage/contracts';
import { type Database, serviceGroupMembers, serviceGroups, services } from '@statuspage/db';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { selectServiceViews } from '../catalog/service-view';
import { EventErrors } from './errors';

const rank: Record<ServiceStatus, number> = {
  operational: 0,
  maintenance: 1,
  degraded: 2,
  partial_outage: 3,
  major_outage: 4,
};

/** The worse of two service statuses (SPEC.md §3 order). */
export function worseStatus(a: ServiceStatus, b: ServiceStatus): ServiceStatus {
  return rank[a] >= rank[b] ? a : b;
}

/** Fails on an id listed twice in one field. */
export function assertUnique(field: string, ids: readonly string[]) {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw EventErrors.invalid(field, `${field}: ${id} is listed more than once`);
    seen.add(id);
  }
}

/** Fails unless every id names a service that exists and is not archived. */
export async function assertServicesUsable(tx: Database, field: string, ids: readonly string[]) {
  if (ids.length === 0) return;
  const found = await tx
    .select({ id: services.id })
    .from(services)
    .where(and(inArray(services.id, [...ids]), isNull(services.archivedAt)));
  const known = new Set(found.map((row) => row.id));
  const missing = ids.filter((id) => !known.has(id));
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
  tx: Database,
  field: string,
  groups: readonly { group_id: string; status: ServiceStatus }[],
): Promise<Map<string, ServiceStatus>> {
  const expanded = new Map<string, ServiceStatus>();
  if (groups.length === 0) return expanded;
  const ids = groups.map((group) => group.group_id);
  const found = await tx
    .select({ id: serviceGroups.id })
    .from(serviceGroups)
    .where(and(inArray(serviceGroups.id, ids), isNull(serviceGroups.archivedAt)));
  const known = new Set(found.map((row) => row.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0) throw EventErrors.invalid(field, `unknown or archived group ids: ${missing.join(', ')}`);
  const members = await tx
    .select({ groupId: serviceGroupMembers.groupId, serviceId: serviceGroupMembers.serviceId })
    .from(serviceGroupMembers)
    .innerJoin(services, eq(services.id, serviceGroupMembers.serviceId))
    .where(and(inArray(serviceGroupMembers.groupId, ids), isNull(services.archivedAt)));
  const statusOfGroup = new Map(groups.map((group) => [group.group_id, group.status]));
  for (const member of members) {
    const status = statusOfGroup.get(member.groupId);
    if (!status) continue;
    const current = expanded.get(member.serviceId);
    expanded.set(member.serviceId, current ? worseStatus(current, status) : status);
  }
  return expanded;
}

/**
 * Locks service rows (in id order, so concurrent event writes cannot deadlock)
 * and returns the ids of those that are not archived, read under the lock.
 * Archiving locks the service row too, so an archive running at the same time
 * either finished first (and shows here) or sees this event.
 */
export async function lockServices(tx: Database, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await tx
    .select({ id: services.id, archivedAt: services.archivedAt })
    .from(services)
    .where(inArray(services.id, [...ids]))
    .orderBy(asc(services.id))
    .for('update');
  return new Set(rows.filter((row) => row.archivedAt === null).map((row) => row.id));
}

/**
 * After locking: fails if an explicitly named service was archived meanwhile,
 * and drops group-derived services that were.
 */
export function keepUsable(
  usable: ReadonlySet<string>,
  field: string,
  explicit: readonly string[],
  fromGroups: Map<string, ServiceStatus>,
) {
  const archived = explicit.filter((id) => !usable.has(id));
  if (archived.length > 0) {
    throw EventErrors.invalid(field, `unknown or archived service ids: ${archived.join(', ')}`);
  }
  for (const id of [...fromGroups.keys()]) if (!usable.has(id)) fromGroups.delete(id);
}

export interface StatusSnapshot {
  stored: ServiceStatus;
  effective: ServiceStatus;
}

/** Stored and effective status of services, from the catalogue's one computation. */
export async function snapshotStatuses(tx: Database, ids: readonly string[]) {
  const views = await selectServiceViews(tx, { ids: [...ids], includeArchived: true });
  return new Map<string, StatusSnapshot>(
    views.map((view) => [view.id, { stored: view.status, effective: view.effective_status }]),
  );
}
