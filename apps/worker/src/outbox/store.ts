import { type Database, outbox } from '@statuspage/db';
import { and, eq, sql } from 'drizzle-orm';

/** A relayed row as its handlers see it: which row (to mark it processed in the transaction of its work). */
export interface OutboxRowRef {
  id: number;
  uid: string;
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
export async function markOutboxProcessed(tx: Database, id: number, uid: string) {
  await tx
    .update(outbox)
    .set({ processedAt: sql`coalesce(${outbox.processedAt}, now())` })
    .where(and(eq(outbox.id, id), eq(outbox.uid, uid)));
}
