import type { Group, Service, StatusLogEntry } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { normaliseArray } from '../shared/sql';
import {
  type GroupFilter,
  type GroupViewRow,
  type ServiceFilter,
  type ServiceViewRow,
  type StatusLogRow,
  selectGroupRows,
  selectServiceRows,
} from './store';

// Rows of the catalog tables in their wire shapes.

/** A service with its computed status and groups, as on the wire. */
export function toServiceDto(row: ServiceViewRow): Service {
  return {
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
  };
}

/** A group with its member services, as on the wire. */
export function toGroupDto({ group, serviceIds }: GroupViewRow): Group {
  return {
    id: group.id,
    name: group.name,
    slug: group.slug,
    description: group.description,
    service_ids: normaliseArray(serviceIds),
    order: group.order,
    created_at: group.createdAt.toISOString(),
    updated_at: group.updatedAt.toISOString(),
    archived_at: group.archivedAt?.toISOString() ?? null,
  };
}

/** A status-log entry, as on the wire. */
export function toStatusLogEntryDto(entry: StatusLogRow): StatusLogEntry {
  return {
    id: entry.id,
    service_id: entry.serviceId,
    old_status: entry.oldStatus,
    new_status: entry.newStatus,
    source_type: entry.sourceType,
    event_id: entry.eventId,
    reason: entry.reason,
    created_by: entry.createdBy,
    integration_id: entry.integrationId,
    created_at: entry.createdAt.toISOString(),
  };
}

/** Services with their computed status and groups, in display order, as on the wire. One query. */
export async function selectServiceViews(db: Database, filter: ServiceFilter = {}): Promise<Service[]> {
  return (await selectServiceRows(db, filter)).map(toServiceDto);
}

/** Groups with their member services, in display order, as on the wire. One query. */
export async function selectGroupViews(db: Database, filter: GroupFilter): Promise<Group[]> {
  return (await selectGroupRows(db, filter)).map(toGroupDto);
}
