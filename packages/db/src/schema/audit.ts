import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

// The audit log: one row per changed row of an audited table, written by the `audit_row()` trigger
// (migration 0015) in the transaction of the change, with the actor the transaction was opened for
// (`statuspage.audit`, set by core's audited database). Owned by core's audit module; no foreign keys,
// so that an entry outlives what it is about (a deleted service, a removed user).

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const auditEntries = pgTable(
  'audit_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: tz('at').notNull().defaultNow(),
    /** `user`, `api_key`, `integration`, `anonymous` (a visitor's form or an unauthenticated call) or `system`. */
    actorType: text('actor_type').notNull(),
    /** The user's, the key's or the integration's id. */
    actorId: text('actor_id'),
    /** The person behind the actor: the user, or the key's owner. */
    actorUserId: uuid('actor_user_id'),
    /** What the actor was called at the time: the user's (or the key owner's) e-mail address. */
    actorLabel: text('actor_label'),
    ip: text('ip'),
    requestId: text('request_id'),
    /** The operation that made the change: a procedure (`services.update`), a page form or a worker job. */
    operation: text('operation'),
    /** `insert`, `update` or `delete`. */
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    /** Per changed column `{old?, new?}`; a secret's value is never kept, only `"[redacted]"`. */
    changes: jsonb('changes').notNull(),
  },
  (t) => [
    index('audit_entries_at_idx').on(t.at),
    index('audit_entries_actor_idx').on(t.actorType, t.actorId, t.id),
    index('audit_entries_target_idx').on(t.targetType, t.targetId, t.id),
    index('audit_entries_request_idx').on(t.requestId),
  ],
);
