import type { Service, ServiceStatus } from '@statuspage/contracts';
import { type Database, serviceGroupMembers, serviceGroups, services } from '@statuspage/db';
import { and, asc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';

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
  select array_agg(${serviceGroupMembers.groupId} order by ${serviceGroupMembers.groupId})
  from ${serviceGroupMembers}
  join ${serviceGroups} on ${serviceGroups.id} = ${serviceGroupMembers.groupId} and ${serviceGroups.archivedAt} is null
  where ${serviceGroupMembers.serviceId} = ${services.id}
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
      sql`exists (select 1 from ${serviceGroupMembers} where ${serviceGroupMembers.serviceId} = ${services.id} and ${serviceGroupMembers.groupId} = ${filter.groupId})`,
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
