import { prunePendingSubscribers } from '@statuspage/core';
import type { Database } from '@statuspage/db';
import type { Logger } from 'pino';

/**
 * The scheduled job that deletes account-less subscribers left unconfirmed
 * for a week (the rule and the query are core's). Idempotent: running it twice
 * deletes nothing more.
 */
export async function pruneUnconfirmedSubscribers(db: Database | undefined, log: Logger, now = new Date()) {
  if (!db) return 0;
  const deleted = await prunePendingSubscribers(db, now);
  if (deleted > 0) log.info({ deleted }, 'unconfirmed subscribers deleted');
  return deleted;
}
