import { z } from 'zod';
import { envelope, queryInt, Timestamp, Uuid } from './common';
import { EventStatus, EventType, ServiceStatus, Severity } from './enums';

export const incidentStatuses = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export const maintenanceStatuses = ['scheduled', 'in_progress', 'completed'] as const;
/** Statuses after which an event is closed (no more updates). */
export const closedEventStatuses = ['resolved', 'completed'] as const;
/** Statuses that do not make an event active (closed, or maintenance not started yet). */
export const inactiveEventStatuses = ['resolved', 'completed', 'scheduled'] as const;

/** The statuses an event of this type may take. */
export function statusesOf(type: EventType): readonly EventStatus[] {
  return type === 'incident' ? incidentStatuses : maintenanceStatuses;
}

export const Event = z.object({
  id: Uuid,
  title: z.string(),
  type: EventType,
  status: EventStatus,
  severity: Severity.nullable(),
  description: z.string(),
  started_at: Timestamp.nullable(),
  resolved_at: Timestamp.nullable(),
  scheduled_start_at: Timestamp.nullable(),
  scheduled_end_at: Timestamp.nullable(),
  notify_subscribers: z.boolean(),
  template_id: Uuid.nullable(),
  created_by: Uuid.nullable(),
  service_ids: z.array(Uuid),
  group_ids: z.array(Uuid),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Event = z.infer<typeof Event>;

export const EventUpdate = z.object({
  id: Uuid,
  event_id: Uuid,
  status: EventStatus,
  message: z.string(),
  notify_subscribers: z.boolean(),
  created_by: Uuid.nullable(),
  created_at: Timestamp,
});
export type EventUpdate = z.infer<typeof EventUpdate>;

/** An event with its timeline (GET /events/{id}). */
export const EventDetail = Event.extend({ updates: z.array(EventUpdate) });
export type EventDetail = z.infer<typeof EventDetail>;

export const EventServiceChange = z.object({
  id: Uuid,
  event_id: Uuid,
  batch_id: Uuid.nullable(),
  action: z.enum(['added', 'removed']),
  service_id: Uuid.nullable(),
  group_id: Uuid.nullable(),
  reason: z.string(),
  created_by: Uuid.nullable(),
  created_at: Timestamp,
});
export type EventServiceChange = z.infer<typeof EventServiceChange>;

export const EventResponse = envelope(Event);
export const EventDetailResponse = envelope(EventDetail);
export const EventsResponse = envelope(z.array(Event));
export const EventUpdateResponse = envelope(EventUpdate);
export const EventUpdatesResponse = envelope(z.array(EventUpdate));
export const EventServiceChangesResponse = envelope(z.array(EventServiceChange));

const AffectedService = z.strictObject({ service_id: Uuid, status: ServiceStatus });
const AffectedGroup = z.strictObject({ group_id: Uuid, status: ServiceStatus });
const Title = z.string().trim().min(1).max(500);
const Message = z.string().trim().min(1).max(20_000);

/**
 * `limit`/`offset` page the list as on the other lists (at most 100 per page);
 * without `limit` every matching event is answered, as the contract documents.
 */
export const ListEventsInput = z.object({
  type: EventType.optional(),
  status: EventStatus.optional(),
  limit: queryInt({ min: 1, max: 100 }).optional(),
  offset: queryInt({ min: 0 }).default(0),
});
export type ListEventsInput = z.infer<typeof ListEventsInput>;

export const EventIdInput = z.strictObject({ id: Uuid });
export const EventIdQuery = z.object({ id: Uuid });

export const CreateEventInput = z.strictObject({
  title: Title,
  type: EventType,
  status: EventStatus,
  severity: Severity.optional(),
  description: z.string().max(20_000),
  started_at: Timestamp.optional(),
  resolved_at: Timestamp.optional(),
  scheduled_start_at: Timestamp.optional(),
  scheduled_end_at: Timestamp.optional(),
  notify_subscribers: z.boolean().default(false),
  template_id: Uuid.optional(),
  affected_services: z.array(AffectedService).max(1000).default([]),
  affected_groups: z.array(AffectedGroup).max(1000).default([]),
});
export type CreateEventInput = z.infer<typeof CreateEventInput>;

export const AddEventUpdateInput = z.strictObject({
  id: Uuid,
  status: EventStatus,
  message: Message,
  notify_subscribers: z.boolean().default(false),
  service_updates: z.array(AffectedService).max(1000).default([]),
  add_services: z.array(AffectedService).max(1000).default([]),
  add_groups: z.array(AffectedGroup).max(1000).default([]),
  remove_service_ids: z.array(Uuid).max(1000).default([]),
  reason: z.string().max(1000).optional(),
});
export type AddEventUpdateInput = z.infer<typeof AddEventUpdateInput>;

/** Changes an open event's title, description or (maintenance) scheduled times. */
export const UpdateEventInput = z.strictObject({
  id: Uuid,
  title: Title.optional(),
  description: z.string().max(20_000).optional(),
  scheduled_start_at: Timestamp.optional(),
  scheduled_end_at: Timestamp.optional(),
});
export type UpdateEventInput = z.infer<typeof UpdateEventInput>;

export const ServiceEventsInput = z.object({
  slug: z.string().min(1).max(255),
  status: z.enum(['active', 'resolved']).optional(),
  limit: queryInt({ min: 1, max: 100 }).default(20),
  offset: queryInt({ min: 0 }).default(0),
});
export const ServiceEventsResponse = envelope(
  z.object({
    events: z.array(Event),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  }),
);

export const PublicStatusResponse = envelope(z.object({ events: z.array(Event) }));
