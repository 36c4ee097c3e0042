import type { Database } from '@statuspage/db';
import { retentionCutoff } from './rules';
import { deleteEntriesBefore } from './store';

/** Deletes the audit entries older than the retention (`seconds`; 0 keeps them all); answers how many. */
export async function pruneAuditEntries(db: Database, retentionSeconds: number, now = new Date()): Promise<number> {
  const cutoff = retentionCutoff(now, retentionSeconds);
  if (!cutoff) return 0;
  return deleteEntriesBefore(db, cutoff);
}
