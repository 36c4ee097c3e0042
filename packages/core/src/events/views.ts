import type { Event, EventServiceChange, EventUpdate } from '@statuspage/contracts';
import { normaliseArray } from '../shared/sql';
import type { CancellationRow, ChangeRowSelected, EventViewRow, UpdateRow } from './store';

// Rows of the events tables in their wire shapes.

const iso = (value: Date | null) => value?.toISOString() ?? null;

/** An event with its service and group ids, as on the wire. */
export function toEventDto({ event, serviceIds, groupIds }: EventViewRow): Event {
  return {
    id: event.id,
    title: event.title,
    type: event.type,
    status: event.status,
    severity: event.severity,
    description: event.description,
    started_at: iso(event.startedAt),
    resolved_at: iso(event.resolvedAt),
    scheduled_start_at: iso(event.scheduledStartAt),
    scheduled_end_at: iso(event.scheduledEndAt),
    notify_subscribers: event.notifySubscribers,
    template_id: event.templateId,
    created_by: event.createdBy,
    service_ids: normaliseArray(serviceIds),
    group_ids: normaliseArray(groupIds),
    created_at: event.createdAt.toISOString(),
    updated_at: event.updatedAt.toISOString(),
  };
}

/** A timeline entry, as on the wire. */
export function toUpdateDto(row: UpdateRow): EventUpdate {
  return {
    id: row.id,
    event_id: row.eventId,
    status: row.status,
    message: row.message,
    notify_subscribers: row.notifySubscribers,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
  };
}

/** A composition-history entry, as on the wire. */
export function toChangeDto(row: ChangeRowSelected): EventServiceChange {
  return {
    id: row.id,
    event_id: row.eventId,
    batch_id: row.batchId,
    action: row.action,
    service_id: row.serviceId,
    group_id: row.groupId,
    reason: row.reason,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
  };
}

/** An event with its timeline, newest first, and how often its scheduled window moved. */
export interface EventTimeline {
  event: Event;
  updates: EventUpdate[];
  rescheduleCount: number;
}

/** A maintenance deleted before it started, as calendars still need it. */
export interface CancelledMaintenance {
  eventId: string;
  title: string;
  description: string;
  scheduledStartAt: Date | null;
  scheduledEndAt: Date | null;
  sequence: number;
  serviceIds: string[];
  createdAt: Date;
  cancelledAt: Date;
}

/** A cancellation record. */
export function toCancellation(row: CancellationRow): CancelledMaintenance {
  return { ...row, serviceIds: normaliseArray(row.serviceIds) };
}
