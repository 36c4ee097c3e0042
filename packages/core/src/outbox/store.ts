import { type Database, outbox } from '@statuspage/db';
import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';

/**
 * The outbox's one home: what the api writes (`write.ts`) and what the
 * worker's relay, handlers and repair read and mark. Functions take the db or
 * the transaction first, so the caller owns the transaction.
 */

/** A relayed row as its handlers see it: which row (to mark it processed in the transaction of its work). */
export interface OutboxRowRef {
  id: number;
  uid: string;
}

export interface ClaimedOutboxRow extends OutboxRowRef {
  kind: string;
  payload: unknown;
}

/** Locks up to `limit` undispatched rows, oldest first, skipping rows another relay holds. */
export async function claimUndispatched(tx: Database, limit: number): Promise<ClaimedOutboxRow[]> {
  return tx
    .select({ id: outbox.id, uid: outbox.uid, kind: outbox.kind, payload: outbox.payload })
    .from(outbox)
    .where(isNull(outbox.dispatchedAt))
    .orderBy(asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** Marks rows as handed to the queue (not done: see markOutboxProcessed). */
export async function markDispatched(tx: Database, ids: readonly number[]) {
  if (ids.length === 0) return;
  await tx
    .update(outbox)
    .set({ dispatchedAt: new Date() })
    .where(inArray(outbox.id, [...ids]));
}

/** Gives rows new uids (so new job ids), e.g. when Redis holds their ids for other rows. */
export async function renameOutboxRows(tx: Database, ids: readonly number[]) {
  if (ids.length === 0) return;
  await tx
    .update(outbox)
    .set({ uid: sql`gen_random_uuid()` })
    .where(inArray(outbox.id, [...ids]));
}

/** The outbox row a job names, if this database has it under that uid (else the job is of another lifetime). */
export async function outboxRowOf(db: Database, id: number, uid: string) {
  const [row] = await db
    .select({ id: outbox.id, processedAt: outbox.processedAt })
    .from(outbox)
    .where(and(eq(outbox.id, id), eq(outbox.uid, uid)));
  return row;
}

/** Marks a row's work done; call it in the transaction of that work (idempotent). */
export async function markOutboxProcessed(tx: Database, row: OutboxRowRef) {
  await tx
    .update(outbox)
    .set({ processedAt: sql`coalesce(${outbox.processedAt}, now())` })
    .where(and(eq(outbox.id, row.id), eq(outbox.uid, row.uid)));
}

/** Removes the secret (a reset token) from a row whose work has taken it elsewhere. */
export async function scrubOutboxSecret(tx: Database, id: number) {
  await tx
    .update(outbox)
    .set({ payload: sql`${outbox.payload} - 'token'` })
    .where(eq(outbox.id, id));
}

/** Rows dispatched before `before` whose work is not committed (their job may be lost), oldest first. */
export async function unprocessedDispatched(db: Database, before: Date, limit: number): Promise<OutboxRowRef[]> {
  return db
    .select({ id: outbox.id, uid: outbox.uid })
    .from(outbox)
    .where(and(sql`${outbox.dispatchedAt} is not null`, isNull(outbox.processedAt), lt(outbox.dispatchedAt, before)))
    .orderBy(asc(outbox.id))
    .limit(limit);
}

/** Sets rows whose work is still missing back to undispatched, under new uids (the relay enqueues them afresh). */
export async function redispatch(db: Database, ids: readonly number[]) {
  if (ids.length === 0) return;
  await db
    .update(outbox)
    .set({ dispatchedAt: null, uid: sql`gen_random_uuid()` })
    .where(and(inArray(outbox.id, [...ids]), isNull(outbox.processedAt)));
}
