import type { OutboxKind, OutboxPayload } from '@statuspage/contracts';
import { outboxKinds } from '@statuspage/contracts';
import { type Database, outbox } from '@statuspage/db';

/**
 * Writes a message to the outbox. Call it with the transaction of the write
 * that causes the message, so both commit or neither does.
 */
export async function writeOutbox<K extends OutboxKind>(tx: Database, kind: K, payload: OutboxPayload<K>) {
  const parsed = outboxKinds[kind].parse(payload);
  const [row] = await tx.insert(outbox).values({ kind, payload: parsed }).returning({ id: outbox.id });
  return row?.id;
}
