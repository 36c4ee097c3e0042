import type { Database, serviceStatusLog } from '@statuspage/db';
import { refreshAfterEntries } from './status-days';
import { insertStatusLogEntries } from './store';
import { selectServiceViews } from './views';

/** A status-log entry to write, without the effective status (read here, after the change). */
export type StatusLogWrite = Omit<typeof serviceStatusLog.$inferInsert, 'effectiveStatus'>;

/**
 * Writes status-log entries with the effective status each service shows after the change (the
 * caller has changed it in this transaction), and refreshes the per-day rollup from `at` on: the
 * one path of the writers that log several services at once (events, integrations).
 */
export async function logStatusChanges(tx: Database, entries: readonly StatusLogWrite[], at: Date) {
  if (entries.length === 0) return;
  const serviceIds = [...new Set(entries.map((entry) => entry.serviceId))];
  const views = await selectServiceViews(tx, { ids: serviceIds, includeArchived: true });
  const effective = new Map(views.map((view) => [view.id, view.effective_status]));
  await insertStatusLogEntries(
    tx,
    entries.map((entry) => ({ ...entry, effectiveStatus: effective.get(entry.serviceId) ?? entry.newStatus })),
  );
  await refreshAfterEntries(tx, serviceIds, at);
}
