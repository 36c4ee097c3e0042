import { auditEntries, type Database } from '@statuspage/db';
import { and, desc, eq, gte, lt, lte, type SQL, sql } from 'drizzle-orm';

export type AuditEntryRow = typeof auditEntries.$inferSelect;

/** Sets the actor of the transaction for the audit trigger (migration 0015). */
export async function setAuditSetting(tx: Database, setting: string) {
  await tx.execute(sql`select set_config('statuspage.audit', ${setting}, true)`);
}

export interface EntryFilter {
  actorType?: string | undefined;
  actorId?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  operation?: string | undefined;
  requestId?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Entries older than this id (the cursor). */
  beforeId?: number | undefined;
}

/** Entries newest first, at most `limit`. */
export async function selectEntries(db: Database, filter: EntryFilter, limit: number): Promise<AuditEntryRow[]> {
  const where: SQL[] = [];
  if (filter.actorType) where.push(eq(auditEntries.actorType, filter.actorType));
  if (filter.actorId) where.push(eq(auditEntries.actorId, filter.actorId));
  if (filter.targetType) where.push(eq(auditEntries.targetType, filter.targetType));
  if (filter.targetId) where.push(eq(auditEntries.targetId, filter.targetId));
  if (filter.operation) where.push(eq(auditEntries.operation, filter.operation));
  if (filter.requestId) where.push(eq(auditEntries.requestId, filter.requestId));
  if (filter.since) where.push(gte(auditEntries.at, filter.since));
  if (filter.until) where.push(lte(auditEntries.at, filter.until));
  if (filter.beforeId !== undefined) where.push(lt(auditEntries.id, filter.beforeId));
  return db
    .select()
    .from(auditEntries)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditEntries.id))
    .limit(limit);
}

/** Deletes the entries older than `before`; answers how many. */
export async function deleteEntriesBefore(db: Database, before: Date): Promise<number> {
  const gone = db
    .$with('gone')
    .as(db.delete(auditEntries).where(lt(auditEntries.at, before)).returning({ id: auditEntries.id }));
  const [row] = await db.with(gone).select({ deleted: sql<number>`count(*)::int` }).from(gone);
  return row?.deleted ?? 0;
}
