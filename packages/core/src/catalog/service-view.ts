import type { Service, ServiceStatus } from '@statuspage/contracts';
import { type Database, serviceGroupMembers, serviceGroups, services } from '@statuspage/db';
import { and, asc, eq, inArray, isNull, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { activeEventStatusSql, severitySql } from '../events';
import { normaliseArray, qualified } from '../shared/sql';

/**
 * Active events, as SQL over the events table aliased `ev` (the events module's rule).
 */
const activeEventSql = activeEventStatusSql(sql.raw('ev.status'));

/**
 * The one place where a service's `effective_status` and `has_active_events`
 * are computed: the worst status the service has in its active events, else
 * its stored status. SQL correlated with the outer `services` row, so a whole
 * list is answered by one query (using the event_services(service_id) index).
 */
export const effectiveStatusSql: SQL<ServiceStatus> = sql<ServiceStatus>`coalesce((
  select es.status from event_services es
  join events ev on ev.id = es.event_id
  where es.service_id = ${qualified(services.id)} and ${activeEventSql}
  order by ${severitySql(sql.raw('es.status'))} desc
  limit 1
), ${qualified(services.status)})`;

export const hasActiveEventsSql: SQL<boolean> = sql<boolean>`exists (
  select 1 from event_services es
  join events ev on ev.id = es.event_id
  where es.service_id = ${qualified(services.id)} and ${activeEventSql}
)`;

// Group memberships of each service, hiding archived groups, in the groups' display order
// (the order of the group list): clients take the first as the service's primary group.
const groupIdsSql = sql<string[]>`coalesce((
  select array_agg(${qualified(serviceGroupMembers.groupId)} order by ${qualified(serviceGroups.order)}, ${qualified(serviceGroups.name)}, ${qualified(serviceGroups.id)})
  from ${serviceGroupMembers}
  join ${serviceGroups} on ${qualified(serviceGroups.id)} = ${qualified(serviceGroupMembers.groupId)}
    and ${qualified(serviceGroups.archivedAt)} is null
  where ${qualified(serviceGroupMembers.serviceId)} = ${qualified(services.id)}
), '{}')`;

export interface ServiceFilter {
  slug?: string;
  ids?: readonly string[];
  groupId?: string;
  status?: ServiceStatus;
  includeArchived?: boolean;
}

function serviceViewQuery(db: Database, conditions: SQL[]) {
  return db
    .select({
      service: services,
      effectiveStatus: effectiveStatusSql,
      hasActiveEvents: hasActiveEventsSql,
      groupIds: groupIdsSql,
    })
    .from(services)
    .where(and(...conditions))
    .orderBy(asc(services.order), asc(services.name), asc(services.id));
}
type ServiceViewRow = Awaited<ReturnType<typeof serviceViewQuery>>[number];
type PreparedServiceViews = { execute(values: Record<string, unknown>): Promise<ServiceViewRow[]> };

/**
 * The list and slug lookups (the public reads) as prepared queries, one per filter shape
 * and database handle: drizzle builds their SQL once, and on PostgreSQL postgres.js keeps
 * them as server-side prepared statements, so the server plans them once per connection
 * (planning this query costs several times its execution).
 */
const preparedByDb = new WeakMap<Database, Map<string, PreparedServiceViews>>();

function preparedServiceViews(db: Database, filter: ServiceFilter): PreparedServiceViews {
  const shape = [
    filter.slug !== undefined ? 'slug' : '',
    filter.includeArchived ? 'archived' : '',
    filter.groupId !== undefined ? 'group' : '',
    filter.status !== undefined ? 'status' : '',
  ].join('_');
  let cache = preparedByDb.get(db);
  if (!cache) {
    cache = new Map();
    preparedByDb.set(db, cache);
  }
  let prepared = cache.get(shape);
  if (!prepared) {
    const placeholders = {
      ...(filter.slug !== undefined ? { slug: sql.placeholder('slug') } : {}),
      ...(filter.groupId !== undefined ? { groupId: sql.placeholder('groupId') } : {}),
      ...(filter.status !== undefined ? { status: sql.placeholder('status') } : {}),
      includeArchived: filter.includeArchived,
    };
    prepared = serviceViewQuery(db, filterConditions(placeholders)).prepare(
      `service_views${shape}`,
    ) as PreparedServiceViews;
    cache.set(shape, prepared);
  }
  return prepared;
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

/** Services with their computed status and groups, in display order. One query. */
export async function selectServiceViews(db: Database, filter: ServiceFilter = {}): Promise<Service[]> {
  let rows: ServiceViewRow[];
  if (filter.ids === undefined) {
    rows = await preparedServiceViews(db, filter).execute({
      slug: filter.slug,
      groupId: filter.groupId,
      status: filter.status,
    });
  } else {
    // Id lists (inside write transactions) vary in length: built each time, as before.
    if (filter.ids.length === 0) return [];
    rows = await serviceViewQuery(db, filterConditions(filter));
  }
  return rows.map((row) => ({
    id: row.service.id,
    name: row.service.name,
    slug: row.service.slug,
    description: row.service.description,
    status: row.service.status,
    effective_status: row.effectiveStatus,
    has_active_events: Boolean(row.hasActiveEvents),
    group_ids: normaliseArray(row.groupIds),
    order: row.service.order,
    created_at: row.service.createdAt.toISOString(),
    updated_at: row.service.updatedAt.toISOString(),
    archived_at: row.service.archivedAt?.toISOString() ?? null,
  }));
}
