import { z } from 'zod';
import { envelope, queryInt, Timestamp, Uuid } from './common';

/** Who made a change: a person, an API key, an integration, a visitor (no account) or the system. */
export const auditActorTypes = ['user', 'api_key', 'integration', 'anonymous', 'system'] as const;
export type AuditActorType = (typeof auditActorTypes)[number];
export const auditActions = ['insert', 'update', 'delete'] as const;

const Name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z_]+$/, 'lowercase letters and underscores');

export const ListAuditInput = z.object({
  actor_type: z.enum(auditActorTypes).optional(),
  /** The user's, key's or integration's id. */
  actor_id: z.string().min(1).max(64).optional(),
  /** `service`, `group`, `event`, `event_update`, `user`, `api_key`, `integration`, `subscriber`, `channel`, … */
  target_type: Name.optional(),
  /** The target's id (composite keys joined with ':', e.g. `<event id>:<service id>`). */
  target_id: z.string().min(1).max(200).optional(),
  /** The request's id (its `X-Request-Id`): everything one request changed. */
  request_id: z
    .string()
    .max(128)
    .regex(/^[\w.-]+$/, 'letters, digits, _ . -')
    .optional(),
  /** The procedure or form, e.g. `services.update`, `POST /subscribe`. */
  operation: z.string().min(1).max(128).optional(),
  since: Timestamp.optional(),
  until: Timestamp.optional(),
  /** The `next_cursor` of the previous page. */
  cursor: z.string().min(1).max(64).optional(),
  limit: queryInt({ min: 1, max: 200 }).default(50),
});
export type ListAuditInput = z.infer<typeof ListAuditInput>;

export const AuditEntry = z.object({
  id: z.string(),
  at: Timestamp,
  actor: z.object({
    type: z.enum(auditActorTypes),
    id: z.string().nullable(),
    /** The person behind the actor: the user, or the key's owner. */
    user_id: Uuid.nullable(),
    /** The user's (or key owner's) e-mail address at the time. */
    label: z.string().nullable(),
  }),
  ip: z.string().nullable(),
  request_id: z.string().nullable(),
  operation: z.string().nullable(),
  action: z.enum(auditActions),
  target: z.object({ type: z.string(), id: z.string() }),
  /** Per changed field: `old` (updates, deletions) and `new` (insertions, updates); secrets are `"[redacted]"`. */
  changes: z.record(z.string(), z.object({ old: z.unknown().optional(), new: z.unknown().optional() })),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditResponse = envelope(
  z.object({
    entries: z.array(AuditEntry),
    /** Pass as `cursor` for the next (older) page; null on the last page. */
    next_cursor: z.string().nullable(),
  }),
);
