import { pruneAuditEntries } from '@statuspage/core';
import type { Database } from '@statuspage/db';
import type { Logger } from 'pino';

/**
 * The scheduled job that deletes audit-log entries older than AUDIT_RETENTION (the query is
 * core's; 0 keeps them all). Idempotent: running it twice deletes nothing more.
 */
export async function pruneAuditLog(db: Database | undefined, retentionSeconds: number, log: Logger, now = new Date()) {
  if (!db) return 0;
  const deleted = await pruneAuditEntries(db, retentionSeconds, now);
  if (deleted > 0)
    log.info({ deleted, retention_seconds: retentionSeconds }, 'audit entries past their retention deleted');
  return deleted;
}
