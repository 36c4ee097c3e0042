import { z } from 'zod';
import { envelope, QueryBoolean, queryInt, Slug, Timestamp, Uuid } from './common';
import { ServiceStatus, StatusLogSource } from './enums';

const Name = z.string().trim().min(1).max(255);
const Description = z.string().max(10_000);
const Order = z.number().int().min(-1_000_000).max(1_000_000);
const TagKey = z.string().min(1).max(100);
const TagValue = z.string().max(1000);
export const Tags = z.record(TagKey, TagValue);

export const Service = z.object({
  id: Uuid,
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  status: ServiceStatus,
  effective_status: ServiceStatus,
  has_active_events: z.boolean(),
  group_ids: z.array(Uuid),
  order: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
  archived_at: Timestamp.nullable(),
});
export type Service = z.infer<typeof Service>;
export const ServiceResponse = envelope(Service);
export const ServicesResponse = envelope(z.array(Service));

// Query-string inputs ignore unknown parameters (cache busters and the like); bodies are strict.
export const ListServicesInput = z.object({
  group_id: Uuid.optional(),
  status: ServiceStatus.optional(),
  include_archived: QueryBoolean.default(false),
});
export type ListServicesInput = z.infer<typeof ListServicesInput>;

export const ServiceSlugInput = z.strictObject({ slug: z.string().min(1).max(255) });
/** A service named in the path of a GET (unknown query parameters ignored). */
export const ServiceSlugQuery = z.object({ slug: z.string().min(1).max(255) });

export const CreateServiceInput = z.strictObject({
  name: Name,
  slug: Slug,
  description: Description.default(''),
  status: ServiceStatus.default('operational'),
  group_ids: z.array(Uuid).max(1000).default([]),
  order: Order.default(0),
  tags: Tags.optional(),
});
export type CreateServiceInput = z.infer<typeof CreateServiceInput>;

export const UpdateServiceInput = z.strictObject({
  /** The service to update (path). */
  slug: z.string().min(1).max(255),
  /** The slug it gets: the body's `slug` on the REST side (see the adapter's body aliases). */
  new_slug: Slug,
  name: Name,
  description: Description.optional(),
  status: ServiceStatus,
  group_ids: z.array(Uuid).max(1000).optional(),
  order: Order.optional(),
  reason: z.string().max(1000).optional(),
});

export const TagsResponse = envelope(z.object({ tags: z.record(z.string(), z.string()) }));
export const UpdateTagsInput = z.strictObject({
  slug: z.string().min(1).max(255),
  tags: Tags,
});

export const StatusLogEntry = z.object({
  id: Uuid,
  service_id: Uuid,
  old_status: ServiceStatus.nullable(),
  new_status: ServiceStatus,
  source_type: StatusLogSource,
  event_id: Uuid.nullable(),
  reason: z.string(),
  created_by: Uuid.nullable(),
  /** The integration whose alerts made the change (source `webhook`). */
  integration_id: Uuid.nullable(),
  created_at: Timestamp,
});
export type StatusLogEntry = z.infer<typeof StatusLogEntry>;
export const StatusLogInput = z.object({
  slug: z.string().min(1).max(255),
  limit: queryInt({ min: 1, max: 100 }).default(50),
  offset: queryInt({ min: 0 }).default(0),
});
export const StatusLogResponse = envelope(
  z.object({
    entries: z.array(StatusLogEntry),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  }),
);

export const Group = z.object({
  id: Uuid,
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  service_ids: z.array(Uuid),
  order: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
  archived_at: Timestamp.nullable(),
});
export type Group = z.infer<typeof Group>;
export const GroupResponse = envelope(Group);
export const GroupsResponse = envelope(z.array(Group));

export const ListGroupsInput = z.object({
  include_archived: QueryBoolean.default(false),
});
export const GroupSlugInput = z.strictObject({ slug: z.string().min(1).max(255) });
/** A group named in the path of a GET (unknown query parameters ignored). */
export const GroupSlugQuery = z.object({ slug: z.string().min(1).max(255) });

export const CreateGroupInput = z.strictObject({
  name: Name,
  slug: Slug,
  description: Description.default(''),
  order: Order.default(0),
});
export type CreateGroupInput = z.infer<typeof CreateGroupInput>;

export const UpdateGroupInput = z.strictObject({
  slug: z.string().min(1).max(255),
  new_slug: Slug,
  name: Name,
  description: Description.optional(),
  order: Order.optional(),
  service_ids: z.array(Uuid).max(1000).optional(),
});
