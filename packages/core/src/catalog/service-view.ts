import type { Service, ServiceStatus } from '@statuspage/contracts';
import { type Database, serviceGroupMembers, serviceGroups, services } from '@statuspage/db';
import { type AnyColumn, and, asc, eq, getTableName, inArray, isNull, type SQL, sql } from 'drizzle-orm';

/**
 * A column as `"table"."column"`. Drizzle leaves columns unqualified in a
 * single-table select, so inside a correlated subquery `"id"` would bind to the
 * subquery's own table instead of the outer row: subqueries must use this.
 */
export function qualified(column: AnyColumn): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;
}

/**
 * The one place where a service's `effective_status` and `has_active_events`
 * are computed, as SQL so that a whole list is answered by one query.
 * Until events exist the effective status is the stored one; the events
 * module replaces these expressions with the worst status over active events.
 */
export const effectiveStatusSql: SQL<ServiceStatus> = sql<ServiceStatus>`${services.status}`;
export const hasActiveEventsSql: SQL<boolean> = sql<boolean>`false`;

// Group memberships of each service, hiding archived groups.
const groupIdsSql = sql<string[]>`coalesce((
  select array_agg(${qualified(serviceGroupMembers.groupId)} order by ${qualified(serviceGroupMembers.groupId)})
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

/** Services with their computed status and groups, in display order. One query. */
export async function selectServiceViews(db: Database, filter: ServiceFilter = {}): Promise<Service[]> {
  const conditions: SQL[] = [];
  if (filter.slug !== undefined) conditions.push(eq(services.slug, filter.slug));
  if (filter.ids !== undefined) {
    if (filter.ids.length === 0) return [];
    conditions.push(inArray(services.id, [...filter.ids]));
  }
  if (!filter.includeArchived) conditions.push(isNull(services.archivedAt));
  if (filter.groupId !== undefined) {
    conditions.push(
      sql`exists (select 1 from ${serviceGroupMembers} where ${qualified(serviceGroupMembers.serviceId)} = ${qualified(services.id)} and ${qualified(serviceGroupMembers.groupId)} = ${filter.groupId})`,
    );
  }
  if (filter.status !== undefined) conditions.push(sql`${effectiveStatusSql} = ${filter.status}`);
  const rows = await db
    .select({
      service: services,
      effectiveStatus: effectiveStatusSql,
      hasActiveEvents: hasActiveEventsSql,
      groupIds: groupIdsSql,
    })
    .from(services)
    .where(and(...conditions))
    .orderBy(asc(services.order), asc(services.name), asc(services.id));
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

/** postgres.js and PGlite both parse uuid[]; guard against a driver handing back the text form. */
export function normaliseArray(value: unknown): string[] {
  if (Array.isArray(value)) return value as string[];
  if (typeof value === 'string') {
    const inner = value.replace(/^\{|\}$/g, '');
    return inner ? inner.split(',') : [];
  }
  return [];
}
