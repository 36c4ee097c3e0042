import type { ServiceStatus } from '@statuspage/contracts';
import {
  type Database,
  serviceGroupMembers,
  serviceGroups,
  serviceStatusLog,
  services,
  serviceTags,
} from '@statuspage/db';
import { and, asc, count, desc, eq, inArray, isNull, ne, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { SelectedFields } from 'drizzle-orm/pg-core';
import { worstActiveStatusesSql } from '../events';
import { preparedQuery } from '../shared/prepared';
import { qualified, windowTotal } from '../shared/sql';

// The SQL of the catalog module. Every function takes the db or the transaction first, so the
// use-case owns the transaction.

/**
 * The services in active events with the worst status their active events give them: the events
 * module's derived table, as `active_status`. Every query that shows effective status selects
 * from `services` joined to it (`selectServicesWithStatus`).
 */
const activeStatus = sql`${worstActiveStatusesSql()} as active_status`;
const activeStatusOfService = sql`active_status.service_id = ${qualified(services.id)}`;

/**
 * The one place where a service's `effective_status` and `has_active_events` are computed: the
 * worst status the service has in its active events, else its stored status. Over the join of
 * `selectServicesWithStatus`, so a whole list is answered by one query that reads the active
 * events once (not each service's history).
 */
export const effectiveStatusSql: SQL<ServiceStatus> = sql<ServiceStatus>`coalesce(active_status.worst_status, ${qualified(services.status)})`;

export const hasActiveEventsSql: SQL<boolean> = sql<boolean>`(active_status.service_id is not null)`;

/** `select fields from services`, joined to what effective status needs (`effectiveStatusSql`, `hasActiveEventsSql`). */
export function selectServicesWithStatus<T extends SelectedFields>(db: Database, fields: T) {
  return db.select(fields).from(services).leftJoin(activeStatus, activeStatusOfService);
}

// Group memberships of each service, hiding archived groups, in the groups' display order
// (the order of the group list): clients take the first as the service's primary group. A derived
// table joined once (`service_group_ids`), not a lookup per service: a list of 1,000 services
// spent most of its time there.
const groupIdsOfServices = sql`(
  select ${qualified(serviceGroupMembers.serviceId)} as service_id,
    array_agg(${qualified(serviceGroupMembers.groupId)} order by ${qualified(serviceGroups.order)}, ${qualified(serviceGroups.name)}, ${qualified(serviceGroups.id)}) as group_ids
  from ${serviceGroupMembers}
  join ${serviceGroups} on ${qualified(serviceGroups.id)} = ${qualified(serviceGroupMembers.groupId)}
    and ${qualified(serviceGroups.archivedAt)} is null
  group by ${qualified(serviceGroupMembers.serviceId)}
) as service_group_ids`;
const groupIdsOfService = sql`service_group_ids.service_id = ${qualified(services.id)}`;
const groupIdsSql = sql<string[]>`coalesce(service_group_ids.group_ids, '{}')`;

export interface ServiceFilter {
  slug?: string;
  ids?: readonly string[];
  groupId?: string;
  status?: ServiceStatus;
  includeArchived?: boolean;
}

function serviceViewQuery(db: Database, conditions: SQL[]) {
  return selectServicesWithStatus(db, {
    service: services,
    effectiveStatus: effectiveStatusSql,
    hasActiveEvents: hasActiveEventsSql,
    groupIds: groupIdsSql,
  })
    .leftJoin(groupIdsOfServices, groupIdsOfService)
    .where(and(...conditions))
    .orderBy(asc(services.order), asc(services.name), asc(services.id));
}
export type ServiceViewRow = Awaited<ReturnType<typeof serviceViewQuery>>[number];

/** The statement of the unfiltered services list the public reads run (`bench/effective-status.mts` explains it). */
export function serviceListStatement(db: Database) {
  return serviceViewQuery(db, filterConditions({}));
}
type PreparedServiceViews = { execute(values: Record<string, unknown>): Promise<ServiceViewRow[]> };

/**
 * The list and slug lookups (the public reads) as prepared queries, one per filter shape
 * and database handle (shared/prepared.ts): drizzle builds their SQL once, and on PostgreSQL
 * postgres.js keeps them as server-side prepared statements, so the server plans them once per
 * connection (planning this query costs several times its execution).
 */
function preparedServiceViews(db: Database, filter: ServiceFilter): PreparedServiceViews {
  const shape = [
    filter.slug !== undefined ? 'slug' : '',
    filter.includeArchived ? 'archived' : '',
    filter.groupId !== undefined ? 'group' : '',
    filter.status !== undefined ? 'status' : '',
  ].join('_');
  const name = `service_views${shape}`;
  return preparedQuery(db, name, (handle) => {
    const placeholders = {
      ...(filter.slug !== undefined ? { slug: sql.placeholder('slug') } : {}),
      ...(filter.groupId !== undefined ? { groupId: sql.placeholder('groupId') } : {}),
      ...(filter.status !== undefined ? { status: sql.placeholder('status') } : {}),
      includeArchived: filter.includeArchived,
    };
    return serviceViewQuery(handle, filterConditions(placeholders)).prepare(name) as PreparedServiceViews;
  });
}

/** The WHERE conditions of a filter; its values may be placeholders (prepared queries). */
function filterConditions(filter: {
  slug?: string | SQLWrapper;
  ids?: readonly string[];
  groupId?: string | SQLWrapper;
  status?: string | SQLWrapper;
  includeArchived?: boolean | undefined;
}): SQL[] {
  const conditions: SQL[] = [];
  if (filter.slug !== undefined) conditions.push(eq(services.slug, filter.slug));
  if (filter.ids !== undefined) conditions.push(inArray(services.id, [...filter.ids]));
  if (!filter.includeArchived) conditions.push(isNull(services.archivedAt));
  if (filter.groupId !== undefined) {
    conditions.push(
      sql`exists (select 1 from ${serviceGroupMembers} where ${qualified(serviceGroupMembers.serviceId)} = ${qualified(services.id)} and ${qualified(serviceGroupMembers.groupId)} = ${filter.groupId})`,
    );
  }
  if (filter.status !== undefined) conditions.push(sql`${effectiveStatusSql} = ${filter.status}`);
  return conditions;
}

/** Service rows with their computed status and groups, in display order. One query. */
export async function selectServiceRows(db: Database, filter: ServiceFilter = {}): Promise<ServiceViewRow[]> {
  if (filter.ids === undefined) {
    return preparedServiceViews(db, filter).execute({
      slug: filter.slug,
      groupId: filter.groupId,
      status: filter.status,
    });
  }
  // Id lists (inside write transactions) vary in length: built each time, as before.
  if (filter.ids.length === 0) return [];
  return serviceViewQuery(db, filterConditions(filter));
}

// Member services of each group in display order; archived services only when asked for.
const memberIdsSql = (includeArchived: boolean) => sql<string[]>`coalesce((
  select array_agg(${qualified(services.id)} order by ${qualified(services.order)}, ${qualified(services.name)}, ${qualified(services.id)})
  from ${serviceGroupMembers}
  join ${services} on ${qualified(services.id)} = ${qualified(serviceGroupMembers.serviceId)}
  where ${qualified(serviceGroupMembers.groupId)} = ${qualified(serviceGroups.id)}
  ${includeArchived ? sql`` : sql`and ${qualified(services.archivedAt)} is null`}
), '{}')`;

export interface GroupFilter {
  slug?: string;
  id?: string;
  /** The list's `include_archived`: archived groups, and archived services among the members. */
  includeArchived?: boolean;
  /** Finds a group by slug or id even when it is archived; its members still hide archived services. */
  archivedGroups?: boolean;
}

/** Group rows with their member services, in display order. One query. */
export function selectGroupRows(db: Database, filter: GroupFilter) {
  const conditions: SQL[] = [];
  if (filter.slug !== undefined) conditions.push(eq(serviceGroups.slug, filter.slug));
  if (filter.id !== undefined) conditions.push(eq(serviceGroups.id, filter.id));
  if (!filter.includeArchived && !filter.archivedGroups) conditions.push(isNull(serviceGroups.archivedAt));
  return db
    .select({ group: serviceGroups, serviceIds: memberIdsSql(Boolean(filter.includeArchived)) })
    .from(serviceGroups)
    .where(and(...conditions))
    .orderBy(asc(serviceGroups.order), asc(serviceGroups.name), asc(serviceGroups.id));
}
export type GroupViewRow = Awaited<ReturnType<typeof selectGroupRows>>[number];

/** Of these ids, those that do not name a service that exists and is not archived. */
export async function missingServices(tx: Database, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await tx
    .select({ id: services.id })
    .from(services)
    .where(and(inArray(services.id, [...ids]), isNull(services.archivedAt)));
  const known = new Set(found.map((row) => row.id));
  return ids.filter((id) => !known.has(id));
}

/** Of these ids, those that do not name a group that exists and is not archived. */
export async function missingGroups(tx: Database, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await tx
    .select({ id: serviceGroups.id })
    .from(serviceGroups)
    .where(and(inArray(serviceGroups.id, [...ids]), isNull(serviceGroups.archivedAt)));
  const known = new Set(found.map((row) => row.id));
  return ids.filter((id) => !known.has(id));
}

/** The service row with this slug, or undefined; `lock` locks it for the transaction. */
export async function findServiceRow(tx: Database, slug: string, lock = false) {
  if (lock) {
    const [locked] = await tx.select().from(services).where(eq(services.slug, slug)).for('update');
    return locked;
  }
  const query = preparedQuery(tx, 'find_service_row', (handle) =>
    handle
      .select()
      .from(services)
      .where(eq(services.slug, sql.placeholder('slug')))
      .prepare('find_service_row'),
  );
  const [row] = await query.execute({ slug });
  return row;
}

/** The group row with this slug, or undefined. */
export async function findGroupRow(tx: Database, slug: string) {
  const [row] = await tx.select().from(serviceGroups).where(eq(serviceGroups.slug, slug));
  return row;
}

/** One page of a service's status log, newest first, and the number of its entries. */
export async function selectStatusLog(db: Database, serviceId: string, page: { limit: number; offset: number }) {
  const where = eq(serviceStatusLog.serviceId, serviceId);
  // The page and the total in one prepared statement; a page past the end is counted apart.
  const query = preparedQuery(db, 'status_log_page', (handle) =>
    handle
      .select({ entry: serviceStatusLog, total: windowTotal })
      .from(serviceStatusLog)
      .where(eq(serviceStatusLog.serviceId, sql.placeholder('serviceId')))
      .orderBy(desc(serviceStatusLog.createdAt), desc(serviceStatusLog.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare('status_log_page'),
  );
  const found = await query.execute({ serviceId, limit: page.limit, offset: page.offset });
  const entries = found.map((row) => row.entry);
  if (found[0]) return { entries, total: found[0].total };
  const totals = await db.select({ total: count() }).from(serviceStatusLog).where(where);
  return { entries, total: totals[0]?.total ?? 0 };
}
export type StatusLogRow = typeof serviceStatusLog.$inferSelect;

/** Status-log entries caused by these events, oldest first. */
export function selectEventStatusChanges(db: Database, eventIds: readonly string[]): Promise<StatusLogRow[]> {
  if (eventIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(serviceStatusLog)
    .where(inArray(serviceStatusLog.eventId, [...eventIds]))
    .orderBy(asc(serviceStatusLog.createdAt), asc(serviceStatusLog.id));
}

// --- writes of the service and group use-cases

/** Inserts a service; a taken slug raises the unique violation. */
export async function insertService(tx: Database, values: typeof services.$inferInsert) {
  const [row] = await tx.insert(services).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates a service's columns. */
export async function updateService(tx: Database, id: string, values: Partial<typeof services.$inferInsert>) {
  await tx.update(services).set(values).where(eq(services.id, id));
}

/** The ids of the groups a service is a member of (archived groups included). */
export async function serviceGroupIds(tx: Database, serviceId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: serviceGroupMembers.groupId })
    .from(serviceGroupMembers)
    .where(eq(serviceGroupMembers.serviceId, serviceId));
  return rows.map((row) => row.id);
}

/** Makes these groups the service's groups. */
export async function replaceServiceGroups(tx: Database, serviceId: string, groupIds: readonly string[]) {
  await tx.delete(serviceGroupMembers).where(eq(serviceGroupMembers.serviceId, serviceId));
  if (groupIds.length > 0) {
    await tx.insert(serviceGroupMembers).values(groupIds.map((groupId) => ({ serviceId, groupId })));
  }
}

/** The tags of a service as key → value. */
export async function selectServiceTags(db: Database, serviceId: string): Promise<Record<string, string>> {
  const tags = await db.select().from(serviceTags).where(eq(serviceTags.serviceId, serviceId));
  return Object.fromEntries(tags.map((tag) => [tag.key, tag.value]));
}

/** Adds tags to a service (key, value pairs). */
export async function insertServiceTags(tx: Database, serviceId: string, entries: readonly [string, string][]) {
  if (entries.length > 0) {
    await tx.insert(serviceTags).values(entries.map(([key, value]) => ({ serviceId, key, value })));
  }
}

/** Makes these the service's only tags. */
export async function replaceServiceTags(tx: Database, serviceId: string, entries: readonly [string, string][]) {
  await tx.delete(serviceTags).where(eq(serviceTags.serviceId, serviceId));
  await insertServiceTags(tx, serviceId, entries);
}

/** Appends one entry to the status log. */
export async function insertStatusLogEntry(tx: Database, entry: typeof serviceStatusLog.$inferInsert) {
  await tx.insert(serviceStatusLog).values(entry);
}

/** Inserts a group; a taken slug raises the unique violation. */
export async function insertGroup(db: Database, values: typeof serviceGroups.$inferInsert) {
  const [row] = await db.insert(serviceGroups).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates a group's columns. */
export async function updateGroup(tx: Database, id: string, values: Partial<typeof serviceGroups.$inferInsert>) {
  await tx.update(serviceGroups).set(values).where(eq(serviceGroups.id, id));
}

/** The ids of a group's member services (archived ones included). */
export async function groupServiceIds(tx: Database, groupId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: serviceGroupMembers.serviceId })
    .from(serviceGroupMembers)
    .where(eq(serviceGroupMembers.groupId, groupId));
  return rows.map((row) => row.id);
}

/** The ids of a group's member services that are not archived. */
export async function groupActiveServiceIds(tx: Database, groupId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: services.id })
    .from(serviceGroupMembers)
    .innerJoin(services, eq(services.id, serviceGroupMembers.serviceId))
    .where(and(eq(serviceGroupMembers.groupId, groupId), isNull(services.archivedAt)));
  return rows.map((row) => row.id);
}

/** Makes these services the group's members. */
export async function replaceGroupServices(tx: Database, groupId: string, serviceIds: readonly string[]) {
  await tx.delete(serviceGroupMembers).where(eq(serviceGroupMembers.groupId, groupId));
  if (serviceIds.length > 0) {
    await tx.insert(serviceGroupMembers).values(serviceIds.map((serviceId) => ({ serviceId, groupId })));
  }
}

// --- the queries behind events' EventCatalog port (event-catalog.ts)

/** The members of these groups that are not archived, as group/service pairs. */
export function activeMembersOfGroups(tx: Database, groupIds: readonly string[]) {
  return tx
    .select({ groupId: serviceGroupMembers.groupId, serviceId: serviceGroupMembers.serviceId })
    .from(serviceGroupMembers)
    .innerJoin(services, eq(services.id, serviceGroupMembers.serviceId))
    .where(and(inArray(serviceGroupMembers.groupId, [...groupIds]), isNull(services.archivedAt)));
}

/** Locks service rows in id order (no deadlocks between concurrent writers); their archive state, read under the lock. */
export function lockServiceRows(tx: Database, ids: readonly string[]) {
  return tx
    .select({ id: services.id, archivedAt: services.archivedAt })
    .from(services)
    .where(inArray(services.id, [...ids]))
    .orderBy(asc(services.id))
    .for('update');
}

/** Sets the stored status of those of the services that have another one. */
export async function setServicesStatus(tx: Database, ids: readonly string[], status: ServiceStatus, now: Date) {
  await tx
    .update(services)
    .set({ status, updatedAt: now })
    .where(and(inArray(services.id, [...ids]), ne(services.status, status)));
}

/** Appends entries to the status log. */
export async function insertStatusLogEntries(tx: Database, entries: (typeof serviceStatusLog.$inferInsert)[]) {
  await tx.insert(serviceStatusLog).values(entries);
}

/** The id of the service with this slug (archived ones included), or undefined. */
export async function serviceIdBySlug(tx: Database, slug: string) {
  const [service] = await tx.select({ id: services.id }).from(services).where(eq(services.slug, slug));
  return service?.id;
}

/** Of these services, those not archived, in display order (what a subscription may follow). */
export async function followableServiceIds(tx: Database, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const rows = await tx
    .select({ id: services.id })
    .from(services)
    .where(and(inArray(services.id, [...ids]), isNull(services.archivedAt)))
    .orderBy(asc(services.order), asc(services.name));
  return rows.map((row) => row.id);
}

/** Of these ids, those naming a group that exists and is not archived, in display order. */
export async function followableGroupIds(tx: Database, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const rows = await tx
    .select({ id: serviceGroups.id })
    .from(serviceGroups)
    .where(and(inArray(serviceGroups.id, [...ids]), isNull(serviceGroups.archivedAt)))
    .orderBy(asc(serviceGroups.order), asc(serviceGroups.name));
  return rows.map((row) => row.id);
}

/** A subquery: the ids of the groups (not archived) that hold any of `serviceIds` (a parenthesised list or subquery, as SQL). */
export const groupIdsOfServicesSql = (serviceIds: SQL): SQL =>
  sql`select gm.group_id from ${serviceGroupMembers} gm join ${serviceGroups} g on g.id = gm.group_id where g.archived_at is null and gm.service_id in ${serviceIds}`;

/** The names of the groups not archived, by id. */
export async function followableGroupNames(tx: Database): Promise<Map<string, string>> {
  const rows = await tx
    .select({ id: serviceGroups.id, name: serviceGroups.name })
    .from(serviceGroups)
    .where(isNull(serviceGroups.archivedAt))
    .orderBy(asc(serviceGroups.order), asc(serviceGroups.name));
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** Services not archived, with their names, in display order (what the subscriber counts list). */
export function followableServiceList(tx: Database) {
  return tx
    .select({ id: services.id, name: services.name })
    .from(services)
    .where(isNull(services.archivedAt))
    .orderBy(asc(services.order), asc(services.name));
}

/** The names of these services, archived too, in display order. */
export async function serviceNamesInOrder(tx: Database, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const rows = await tx
    .select({ name: services.name })
    .from(services)
    .where(inArray(services.id, [...ids]))
    .orderBy(asc(services.order), asc(services.name));
  return rows.map((row) => row.name);
}

/** Ids of the services with these slugs that are not archived (slug → id). */
export async function activeServiceIdsBySlugs(tx: Database, slugs: readonly string[]) {
  if (slugs.length === 0) return new Map<string, string>();
  const rows = await tx
    .select({ id: services.id, slug: services.slug })
    .from(services)
    .where(and(inArray(services.slug, [...slugs]), isNull(services.archivedAt)));
  return new Map(rows.map((row) => [row.slug, row.id]));
}

/** The source of each service's latest status-log entry (services without entries are absent). */
export async function latestLogSources(tx: Database, serviceIds: readonly string[]) {
  if (serviceIds.length === 0) return new Map<string, StatusLogRow['sourceType']>();
  const rows = await tx
    .selectDistinctOn([serviceStatusLog.serviceId], {
      serviceId: serviceStatusLog.serviceId,
      sourceType: serviceStatusLog.sourceType,
    })
    .from(serviceStatusLog)
    .where(inArray(serviceStatusLog.serviceId, [...serviceIds]))
    .orderBy(serviceStatusLog.serviceId, desc(serviceStatusLog.createdAt), desc(serviceStatusLog.id));
  return new Map(rows.map((row) => [row.serviceId, row.sourceType]));
}
