import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Work that must happen after a write (e-mails, notifications, scheduled
 * transitions), written in the same transaction as that write. The worker
 * relays undispatched rows to BullMQ; the job id is the row's `uid`, random
 * per row, so it never repeats across database lifetimes (a restored backup,
 * a re-created database) while Redis still holds old jobs. A row is done
 * (`processed_at`) only when its work is committed: until then the worker's
 * repair re-dispatches it whenever its job is gone from Redis.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    uid: uuid('uid').notNull().defaultRandom(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: tz('created_at').notNull().defaultNow(),
    dispatchedAt: tz('dispatched_at'),
    processedAt: tz('processed_at'),
  },
  (t) => [
    index('outbox_undispatched_idx').on(t.id).where(sql`${t.dispatchedAt} is null`),
    index('outbox_unprocessed_idx')
      .on(t.dispatchedAt)
      .where(sql`${t.dispatchedAt} is not null and ${t.processedAt} is null`),
  ],
);

/**
 * The identity of this installation (one row, created by the migrations):
 * the worker keeps its BullMQ keys under `<WORKER_QUEUE_PREFIX>-<id>`, so two
 * installations sharing a Redis never take each other's jobs.
 */
export const installation = pgTable(
  'installation',
  {
    singleton: boolean('singleton').primaryKey().default(true),
    id: uuid('id').notNull().defaultRandom(),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [check('installation_singleton', sql`${t.singleton}`)],
);
